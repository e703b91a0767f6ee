"""sensor_msgs images to and from the BGR arrays trackers take.

cv_bridge is used when it is importable (every real ROS 2 install has it); otherwise a numpy
converter handles the common encodings, honouring row padding (step) and byte order.
"""

from __future__ import annotations

import array
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


def image_to_array(msg: Any) -> np.ndarray:
    """The pixels of a sensor_msgs/Image in their own encoding, as [H, W] or [H, W, C].

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
