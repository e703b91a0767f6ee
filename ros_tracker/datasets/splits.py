"""The train and eval splits of the shared data set."""

#: The splits of the shared data set (../shared/data/README.md): never train on 'eval'.
SPLITS = {
    'eval': ['OTB/Couple', 'OTB/Crossing', 'OTB/Football1', 'OTB/MountainBike',
             'MIL/faceocc_MIL', 'VOT2015/ball1', 'DTB70/Surfing06', 'UAV123_10fps/person11',
             'UAV123_10fps/boat5', 'UAV123_10fps/wakeboard4'],
    'train': ['DTB70/Gull2', 'DTB70/MountainBike6', 'UAVDT/S0601', 'UAVDT/S0310',
              'UAVDT/S1301', 'UAV123_10fps/wakeboard7', 'UAV123_10fps/building5',
              'UAV123_10fps/wakeboard10', 'UAV123_10fps/truck2', 'UAV123_10fps/wakeboard3',
              'UAV123_10fps/boat1', 'UAV123_10fps/person12_1'],
}


def split_names(split: str) -> list[str]:
    """Sequence names of a split of the shared data ('eval', 'train' or 'all')."""
    if split == 'all':
        return SPLITS['eval'] + SPLITS['train']
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; accepted: 'eval', 'train', 'all'")
    return list(SPLITS[split])
