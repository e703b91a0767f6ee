"""sensor_msgs images to and from the BGR arrays trackers take.

cv_bridge is used when it is importable (every real ROS 2 install has it); otherwise a numpy
converter handles the common encodings, honouring row padding (step) and byte order.
"""

from __future__ import annotations

import array
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

try:
    from cv_bridge import CvBridge
except ImportError:  # pip-only environments: the numpy converter below is used instead
    CvBridge = None

#: encoding -> (dtype, channels, OpenCV conversion to BGR or None)
ENCODINGS: dict[str, tuple[type, int, int | None]] = {
    'bgr8': (np.uint8, 3, None),
    '8UC3': (np.uint8, 3, None),
    'rgb8': (np.uint8, 3, cv2.COLOR_RGB2BGR),
    'bgra8': (np.uint8, 4, cv2.COLOR_BGRA2BGR),
    'rgba8': (np.uint8, 4, cv2.COLOR_RGBA2BGR),
    'mono8': (np.uint8, 1, cv2.COLOR_GRAY2BGR),
    '8UC1': (np.uint8, 1, cv2.COLOR_GRAY2BGR),
    'mono16': (np.uint16, 1, cv2.COLOR_GRAY2BGR),
    '16UC1': (np.uint16, 1, cv2.COLOR_GRAY2BGR),
}


class ImageConversionError(ValueError):
    """An image message that cannot be turned into a frame.

    Attributes:
        reason: a short name of what is wrong ('encoding', 'step', 'truncated', ...), so that
            repeated failures of one kind can be rate-limited without hiding other kinds.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ImageLimits:
    """The largest image the node accepts, checked from the message before any decoding.

    Attributes:
        max_pixels: width times height.
        max_bytes: bytes of the message's data (raw pixels, or the compressed file).
    """

    max_pixels: int = 4096 * 4096
    max_bytes: int = 64 * 2 ** 20


def _raw_layout(msg: Any) -> tuple[type, int, int]:
    """(dtype, channels, bytes per row) of a sensor_msgs/Image whose header and data agree.

    Raises:
        ImageConversionError: unsupported encoding, inconsistent step or truncated data.
    """
    if msg.encoding not in ENCODINGS:
        raise ImageConversionError(
            f'unsupported encoding {msg.encoding!r}; accepted: {sorted(ENCODINGS)}', 'encoding')
    dtype, channels, _ = ENCODINGS[msg.encoding]
    height, width, step = msg.height, msg.width, msg.step
    if height == 0 or width == 0:
        raise ImageConversionError(f'empty image ({width}x{height})', 'empty')
    row_bytes = width * channels * np.dtype(dtype).itemsize
    if step < row_bytes:
        raise ImageConversionError(
            f'step {step} is smaller than a {width}-pixel {msg.encoding} row ({row_bytes} bytes)',
            'step')
    if len(msg.data) < step * (height - 1) + row_bytes:
        raise ImageConversionError(
            f'truncated data: {len(msg.data)} bytes for {height} rows of step {step}', 'truncated')
    return dtype, channels, row_bytes


JPEG_SIZE_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE,
                     0xCF}


def compressed_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG or JPEG file's header, None for anything else."""
    if data[:8] == b'\x89PNG\r\n\x1a\n' and len(data) >= 24:
        return int.from_bytes(data[16:20], 'big'), int.from_bytes(data[20:24], 'big')
    if data[:2] != b'\xff\xd8':
        return None
    index = 2
    while index + 9 <= len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:  # fill byte
            index += 1
            continue
        if marker in JPEG_SIZE_MARKERS:
            return (int.from_bytes(data[index + 7:index + 9], 'big'),
                    int.from_bytes(data[index + 5:index + 7], 'big'))
        if 0xD0 <= marker <= 0xD9 or marker == 0x01:  # markers without a length
            index += 2
            continue
        index += 2 + int.from_bytes(data[index + 2:index + 4], 'big')
    return None


def check_image(msg: Any, limits: ImageLimits) -> None:
    """Refuse, from its header alone, a message that cannot or must not be decoded: a raw
    image whose layout and data disagree, an empty or non-PNG/JPEG compressed image, or either
    larger than limits.

    Raises:
        ImageConversionError: what is wrong, with reason 'too_large' for the limits.
    """
    if len(msg.data) > limits.max_bytes:
        raise ImageConversionError(f'{len(msg.data)} bytes exceed max_image_mb '
                                   f'({limits.max_bytes} bytes)', 'too_large')
    if hasattr(msg, 'format'):  # sensor_msgs/CompressedImage
        if len(msg.data) == 0:
            raise ImageConversionError('empty compressed image (0 bytes)', 'empty')
        size = compressed_size(bytes(msg.data[:65536]))
        if size is None:
            raise ImageConversionError(
                f'compressed image (format {msg.format!r}) is neither PNG nor JPEG, or its '
                'header is damaged', 'decode')
        width, height = size
    else:
        _raw_layout(msg)
        width, height = msg.width, msg.height
    if width * height > limits.max_pixels:
        raise ImageConversionError(f'{width}x{height} pixels exceed max_image_pixels '
                                   f'({limits.max_pixels})', 'too_large')


def image_to_array(msg: Any) -> np.ndarray:
    """The pixels of a sensor_msgs/Image in their own encoding, as [H, W] or [H, W, C].

    Raises:
        ImageConversionError: unsupported encoding, inconsistent step or truncated data.
    """
    dtype, channels, row_bytes = _raw_layout(msg)
    height, width, step = msg.height, msg.width, msg.step
    raw = np.frombuffer(bytes(msg.data), dtype=np.uint8, count=step * (height - 1) + row_bytes)
    rows = np.lib.stride_tricks.as_strided(raw, shape=(height, row_bytes), strides=(step, 1))
    order = '>' if msg.is_bigendian else '<'
    pixels = np.ascontiguousarray(rows).view(np.dtype(dtype).newbyteorder(order))
    pixels = pixels.astype(dtype, copy=False).reshape(height, width, channels)
    return pixels[:, :, 0] if channels == 1 else pixels


def array_to_bgr8(pixels: np.ndarray, encoding: str) -> np.ndarray:
    """Pixels in encoding as a contiguous BGR uint8 array; 16-bit values scale by 255/65535."""
    _, _, conversion = ENCODINGS[encoding]
    if pixels.dtype == np.uint16:
        pixels = cv2.convertScaleAbs(pixels, alpha=255.0 / 65535.0)
    if conversion is not None:
        pixels = cv2.cvtColor(pixels, conversion)
    return np.ascontiguousarray(pixels)


def image_to_bgr8(msg: Any) -> np.ndarray:
    """A sensor_msgs/Image as a BGR uint8 frame."""
    if CvBridge is not None:
        try:
            return CvBridge().imgmsg_to_cv2(msg, desired_encoding='bgr8')
        except Exception as error:  # cv_bridge raises its own CvBridgeError and cv2.error types
            raise ImageConversionError(str(error), 'cv_bridge') from error
    return array_to_bgr8(image_to_array(msg), msg.encoding)


def compressed_to_bgr8(msg: Any) -> np.ndarray:
    """A sensor_msgs/CompressedImage (JPEG, PNG, ...) as a BGR uint8 frame."""
    if len(msg.data) == 0:
        raise ImageConversionError('empty compressed image (0 bytes)', 'empty')
    try:
        frame = cv2.imdecode(np.frombuffer(bytes(msg.data), dtype=np.uint8), cv2.IMREAD_COLOR)
    except cv2.error as error:
        raise ImageConversionError(f'compressed image cannot be decoded: {error}',
                                   'decode') from None
    if frame is None:
        raise ImageConversionError(
            f'could not decode {len(msg.data)} bytes of compressed image (format {msg.format!r})',
            'decode')
    return frame


def fill_image(msg: Any, frame: np.ndarray) -> Any:
    """Fill a sensor_msgs/Image with a BGR uint8 frame (bgr8, unpadded rows); returns msg."""
    msg.height, msg.width = frame.shape[:2]
    msg.encoding = 'bgr8'
    msg.is_bigendian = 0
    msg.step = frame.shape[1] * 3
    msg.data = array.array('B', np.ascontiguousarray(frame).tobytes())
    return msg
