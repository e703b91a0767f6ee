"""ATOM's network: a ResNet-18 backbone and the target-modulated IoU-Net.

Attribute names are the state-dict keys of the official ``atom_default.pth``
(``feature_extractor.*`` with torchvision's ResNet-18 names, ``bb_regressor.*`` with the official
IoU-Net names), so the official weights load with ``strict=True``; they are a public contract.
"""

from __future__ import annotations

import torch
from torch import nn, Tensor

from ros_tracker.atom.prroi_pool import PrRoIPool2D

__all__ = ['AtomIoUNet', 'AtomNet', 'atom_net', 'BasicBlock', 'ResNet', 'resnet18']


def conv3x3(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """3x3 convolution with padding, no bias."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    """The two-convolution residual block of ResNet-18/34."""

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: nn.Module | None = None) -> None:
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """ResNet (He et al., CVPR 2016) with torchvision's module names, returning inner layers.

    Args:
        layers: blocks per stage, [2, 2, 2, 2] for ResNet-18.
        num_classes: outputs of ``fc`` (kept so that ImageNet and ATOM state dicts load strictly).
    """

    stages = ('layer1', 'layer2', 'layer3', 'layer4')

    def __init__(self, layers: list[int], num_classes: int = 1000) -> None:
        super().__init__()
        if len(layers) != 4 or min(layers) < 1:
            raise ValueError(f'layers must be four positive block counts, got {layers}')
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], stride=2)
        self.layer4 = self._make_layer(512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * BasicBlock.expansion, num_classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode='fan_out', nonlinearity='relu')

    def _make_layer(self, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes))
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward_layers(self, x: Tensor, layers: tuple[str, ...]) -> dict[str, Tensor]:
        """The outputs of the named stages for images x (Tensor[B, 3, H, W], normalized).

        Computation stops after the deepest stage asked for (ATOM never runs layer4).
        """
        unknown = set(layers) - set(self.stages)
        if unknown:
            raise ValueError(f'unknown layers {sorted(unknown)}; accepted: {list(self.stages)}')
        outputs = {}
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for name in self.stages[:max(self.stages.index(layer) for layer in layers) + 1]:
            x = getattr(self, name)(x)
            if name in layers:
                outputs[name] = x
        return outputs

    def forward(self, x: Tensor) -> Tensor:
        features = self.forward_layers(x, ('layer4',))['layer4']
        return self.fc(torch.flatten(self.avgpool(features), 1))


def resnet18() -> ResNet:
    """ResNet-18 with torchvision's state-dict names (randomly initialized)."""
    return ResNet([2, 2, 2, 2])


def conv_block(in_planes: int, out_planes: int, kernel_size: int = 3,
               padding: int = 1) -> nn.Sequential:
    """Conv2d (with bias) -> BatchNorm2d -> ReLU: keys ``.0.*`` and ``.1.*`` as officially."""
    return nn.Sequential(
        nn.Conv2d(in_planes, out_planes, kernel_size, padding=padding, bias=True),
        nn.BatchNorm2d(out_planes), nn.ReLU(inplace=True))


class LinearBlock(nn.Module):
    """Linear over a flattened C x S x S map -> BatchNorm2d (on N x C x 1 x 1) -> ReLU."""

    def __init__(self, in_planes: int, out_planes: int, input_size: int) -> None:
        super().__init__()
        self.linear = nn.Linear(in_planes * input_size * input_size, out_planes)
        self.bn = nn.BatchNorm2d(out_planes)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        x = self.linear(x.reshape(x.shape[0], -1))  # flattened C-major: (c, y, x)
        x = self.relu(self.bn(x.reshape(x.shape[0], x.shape[1], 1, 1)))
        return x.reshape(x.shape[0], -1)


def _xywh_to_rois(boxes: Tensor) -> Tensor:
    """Tensor[B, N, 4] xywh boxes -> Tensor[B*N, 5] rois (batch index, x1, y1, x2, y2)."""
    batch, count = boxes.shape[:2]
    index = torch.arange(batch, dtype=boxes.dtype, device=boxes.device)
    index = index.reshape(batch, 1, 1).expand(batch, count, 1)
    xyxy = torch.cat([boxes[..., :2], boxes[..., :2] + boxes[..., 2:]], dim=2)
    return torch.cat([index, xyxy], dim=2).reshape(-1, 5)


class AtomIoUNet(nn.Module):
    """IoU predictor with target modulation (ATOM, Sec. 3.1 and Fig. 2).

    The reference branch turns the first frame's features inside the target box into two
    channel-modulation vectors; the test branch multiplies them into the current frame's
    features, pools each proposal box with PrRoIPool and predicts its IoU with the target.

    Args:
        input_dim: channels of the two backbone inputs (layer2, layer3).
        pred_input_dim: channels of the test-branch features.
        pred_inter_dim: width of the two fully connected heads.
    """

    def __init__(self, input_dim: tuple[int, int] = (128, 256),
                 pred_input_dim: tuple[int, int] = (256, 256),
                 pred_inter_dim: tuple[int, int] = (256, 256)) -> None:
        super().__init__()
        # Reference branch, stride 8 (layer2); the order fixes the state-dict order.
        self.conv3_1r = conv_block(input_dim[0], 128)
        self.conv3_1t = conv_block(input_dim[0], 256)
        self.conv3_2t = conv_block(256, pred_input_dim[0])
        self.prroi_pool3r = PrRoIPool2D(3, 3, 1 / 8)
        self.prroi_pool3t = PrRoIPool2D(5, 5, 1 / 8)
        self.fc3_1r = conv_block(128, 256, kernel_size=3, padding=0)
        # Stride 16 (layer3).
        self.conv4_1r = conv_block(input_dim[1], 256)
        self.conv4_1t = conv_block(input_dim[1], 256)
        self.conv4_2t = conv_block(256, pred_input_dim[1])
        self.prroi_pool4r = PrRoIPool2D(1, 1, 1 / 16)
        self.prroi_pool4t = PrRoIPool2D(3, 3, 1 / 16)
        self.fc34_3r = conv_block(256 + 256, pred_input_dim[0], kernel_size=1, padding=0)
        self.fc34_4r = conv_block(256 + 256, pred_input_dim[1], kernel_size=1, padding=0)
        self.fc3_rt = LinearBlock(pred_input_dim[0], pred_inter_dim[0], 5)
        self.fc4_rt = LinearBlock(pred_input_dim[1], pred_inter_dim[1], 3)
        self.iou_predictor = nn.Linear(pred_inter_dim[0] + pred_inter_dim[1], 1, bias=True)
        for module in self.modules():
            # The official initialization: Kaiming (fan-in) weights, zero biases, BN scale U(0, 1).
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(module.weight.data, mode='fan_in')
                if module.bias is not None:
                    module.bias.data.zero_()
            elif isinstance(module, nn.BatchNorm2d):
                module.weight.data.uniform_()
                module.bias.data.zero_()

    def get_modulation(self, features: list[Tensor], boxes: Tensor) -> tuple[Tensor, Tensor]:
        """Modulation vectors from reference features [layer2, layer3] and boxes Tensor[B, 4]
        (xywh, patch pixels); returns two Tensor[B, 256, 1, 1]."""
        feat3, feat4 = features
        rois = _xywh_to_rois(boxes.reshape(-1, 1, 4))
        pooled3 = self.prroi_pool3r(self.conv3_1r(feat3), rois)  # [B, 128, 3, 3]
        pooled4 = self.prroi_pool4r(self.conv4_1r(feat4), rois)  # [B, 256, 1, 1]
        combined = torch.cat([self.fc3_1r(pooled3), pooled4], dim=1)  # [B, 512, 1, 1]
        return self.fc34_3r(combined), self.fc34_4r(combined)

    def get_iou_feat(self, features: list[Tensor]) -> tuple[Tensor, Tensor]:
        """Test-branch features from [layer2, layer3].

        Returns:
            Tensor[B, 256, H/8, W/8] and Tensor[B, 256, H/16, W/16].
        """
        feat3, feat4 = features
        return self.conv3_2t(self.conv3_1t(feat3)), self.conv4_2t(self.conv4_1t(feat4))

    def modulate(self, modulation: tuple[Tensor, Tensor],
                 iou_features: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
        """Test-branch features multiplied channel-wise by the modulation vectors."""
        (mod3, mod4), (feat3, feat4) = modulation, iou_features
        batch = feat3.shape[0]
        return feat3 * mod3.reshape(batch, -1, 1, 1), feat4 * mod4.reshape(batch, -1, 1, 1)

    def iou_from_modulated(self, modulated: tuple[Tensor, Tensor], proposals: Tensor) -> Tensor:
        """Predicted 2*IoU - 1 of proposals Tensor[B, N, 4] (xywh, patch pixels) on modulated
        features: Tensor[B, N]. Box refinement calls this repeatedly on the same features."""
        batch, count = proposals.shape[:2]
        rois = _xywh_to_rois(proposals)
        pooled3 = self.prroi_pool3t(modulated[0], rois)
        pooled4 = self.prroi_pool4t(modulated[1], rois)
        combined = torch.cat([self.fc3_rt(pooled3), self.fc4_rt(pooled4)], dim=1)
        return self.iou_predictor(combined).reshape(batch, count)

    def predict_iou(self, modulation: tuple[Tensor, Tensor], iou_features: tuple[Tensor, Tensor],
                    proposals: Tensor) -> Tensor:
        """Predicted 2*IoU - 1 of proposals Tensor[B, N, 4] (xywh, patch pixels): Tensor[B, N]."""
        return self.iou_from_modulated(self.modulate(modulation, iou_features), proposals)

    def forward(self, reference_features: list[Tensor], test_features: list[Tensor],
                reference_boxes: Tensor, proposals: Tensor) -> Tensor:
        """Training pass: IoU of proposals Tensor[B, N, 4] given reference boxes Tensor[B, 4]."""
        modulation = self.get_modulation(reference_features, reference_boxes)
        return self.predict_iou(modulation, self.get_iou_feat(test_features), proposals)


class AtomNet(nn.Module):
    """The official ATOMnet container: ``feature_extractor`` (ResNet-18) and ``bb_regressor``."""

    #: Backbone layers the IoU-Net reads (strides 8 and 16); layer3 also feeds the classifier.
    iou_layers = ('layer2', 'layer3')

    def __init__(self) -> None:
        super().__init__()
        self.feature_extractor = resnet18()
        self.bb_regressor = AtomIoUNet()

    def extract_features(self, images: Tensor) -> dict[str, Tensor]:
        """layer2 and layer3 of normalized images Tensor[B, 3, H, W]."""
        return self.feature_extractor.forward_layers(images, self.iou_layers)


def atom_net() -> AtomNet:
    """ATOM's network (Danelljan et al., CVPR 2019), randomly initialized; load weights with
    ros_tracker.atom.checkpoint."""
    return AtomNet()
