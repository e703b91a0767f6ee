"""Check that the vision_msgs this environment uses has the real 4.1.1 type hashes.

Usage: python scripts/check_type_hashes.py   (exit status 0 when every hash matches)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = ROOT / 'interfaces' / 'vision_msgs' / 'type_hashes.txt'


def expected_hashes() -> dict[str, str]:
    lines = EXPECTED.read_text(encoding='utf-8').splitlines()
    return dict(line.split() for line in lines if line and not line.startswith('#'))


def share_directory() -> Path:
    """vision_msgs' share directory: on AMENT_PREFIX_PATH, else in this interpreter's prefix."""
    prefixes = [p for p in os.environ.get('AMENT_PREFIX_PATH', '').split(os.pathsep) if p]
    for prefix in prefixes + [sys.prefix]:
        candidate = Path(prefix) / 'share' / 'vision_msgs'
        if candidate.is_dir():
            return candidate
    raise SystemExit('vision_msgs share directory not found on AMENT_PREFIX_PATH or in '
                     f'{sys.prefix}')


def problems(share: Path) -> list[str]:
    found = []
    for name, expected in expected_hashes().items():
        path = share / 'msg' / f'{name}.json'
        if not path.is_file():
            found.append(f'{name}: {path} missing')
            continue
        actual = json.loads(path.read_text(encoding='utf-8'))['type_hashes'][0]['hash_string']
        if actual != f'RIHS01_{expected}':
            found.append(f'{name}: {actual} != RIHS01_{expected}')
    return found


def main() -> int:
    share = share_directory()
    found = problems(share)
    for line in found:
        print(line, file=sys.stderr)
    print(f'vision_msgs type hashes in {share}: '
          f'{"all match" if not found else f"{len(found)} mismatch(es)"}')
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
