import cv2
import numpy as np
import pytest
from sensor_msgs.msg import CompressedImage, Image

from ros_tracker.ros.image_conversions import (array_to_bgr8, check_image, compressed_size,
                                               compressed_to_bgr8, fill_image, image_to_array,
                                               ImageConversionError, ImageLimits)

RNG = np.random.default_rng(3)


def make_image(pixels: np.ndarray, encoding: str, padding: int = 0, big_endian: bool = False):
    """An Image message holding pixels with padding extra bytes at the end of every row."""
    height, width = pixels.shape[:2]
    data = pixels.astype(pixels.dtype.newbyteorder('>' if big_endian else '<'))
    rows = data.reshape(height, -1).view(np.uint8)
    padded = np.concatenate([rows, np.full((height, padding), 0xAB, np.uint8)], axis=1)
    return Image(height=height, width=width, encoding=encoding, is_bigendian=int(big_endian),
                 step=padded.shape[1], data=padded.tobytes())


@pytest.mark.parametrize('encoding, dtype, channels', [
    ('rgb8', np.uint8, 3), ('bgr8', np.uint8, 3), ('rgba8', np.uint8, 4), ('bgra8', np.uint8, 4),
    ('mono8', np.uint8, 1), ('mono16', np.uint16, 1), ('16UC1', np.uint16, 1),
])
@pytest.mark.parametrize('padding', [0, 5])
def test_round_trips_every_encoding_with_row_padding(encoding, dtype, channels, padding):
    shape = (7, 9, channels) if channels > 1 else (7, 9)
    pixels = RNG.integers(0, np.iinfo(dtype).max, shape, dtype=dtype, endpoint=True)
    assert np.array_equal(image_to_array(make_image(pixels, encoding, padding)), pixels)


def test_big_endian_mono16():
    pixels = np.array([[1, 256, 65535]], np.uint16)
    assert np.array_equal(image_to_array(make_image(pixels, 'mono16', big_endian=True)), pixels)


def test_to_bgr8_channel_order_and_depth():
    rgb = np.array([[[10, 20, 30]]], np.uint8)
    assert array_to_bgr8(rgb, 'rgb8').tolist() == [[[30, 20, 10]]]
    rgba = np.array([[[10, 20, 30, 40]]], np.uint8)
    assert array_to_bgr8(rgba, 'rgba8').tolist() == [[[30, 20, 10]]]
    assert array_to_bgr8(np.array([[7]], np.uint8), 'mono8').tolist() == [[[7, 7, 7]]]
    # 16-bit scales by 255/65535: 65535 -> 255, 32896 -> 128.
    mono16 = np.array([[65535, 32896, 0]], np.uint16)
    assert array_to_bgr8(mono16, 'mono16')[0, :, 0].tolist() == [255, 128, 0]


@pytest.mark.parametrize('change, message', [
    (dict(encoding='yuv422'), "unsupported encoding 'yuv422'; accepted:"),
    (dict(data=bytes(50)), 'truncated data: 50 bytes for 4 rows of step 18'),
    (dict(step=10), 'step 10 is smaller than a 6-pixel rgb8 row (18 bytes)'),
    (dict(height=0), 'empty image'),
])
def test_bad_images_raise_a_clear_error(change, message):
    msg = make_image(np.zeros((4, 6, 3), np.uint8), 'rgb8')
    for key, value in change.items():
        setattr(msg, key, value)
    with pytest.raises(ImageConversionError) as error:
        image_to_array(msg)
    assert message in str(error.value)


def test_fill_image_round_trips():
    frame = RNG.integers(0, 255, (5, 6, 3), dtype=np.uint8)
    msg = fill_image(Image(), frame)
    assert (msg.encoding, msg.step) == ('bgr8', 18)
    assert np.array_equal(image_to_array(msg), frame)


def test_compressed_images_decode_and_garbage_is_an_error():
    frame = RNG.integers(0, 255, (8, 8, 3), dtype=np.uint8)
    ok, png = cv2.imencode('.png', frame)
    assert np.array_equal(compressed_to_bgr8(CompressedImage(format='png', data=png.tobytes())),
                          frame)
    with pytest.raises(ImageConversionError, match='could not decode 3 bytes'):
        compressed_to_bgr8(CompressedImage(format='jpeg', data=b'abc'))


LIMITS = ImageLimits(max_pixels=640 * 480, max_bytes=2 ** 20)


def test_compressed_size_reads_png_and_jpeg_headers():
    frame = RNG.integers(0, 255, (48, 64, 3), dtype=np.uint8)
    for extension in ('.png', '.jpg'):
        data = cv2.imencode(extension, frame)[1].tobytes()
        assert compressed_size(data) == (64, 48), extension
    assert compressed_size(b'GIF89a' + bytes(20)) is None
    assert compressed_size(b'\xff\xd8\xff\xe0\x00') is None  # a JPEG cut off in its header


@pytest.mark.parametrize('message, reason', [
    (CompressedImage(format='jpeg', data=b''), 'empty'),
    (CompressedImage(format='jpeg', data=b'not an image at all'), 'decode'),
    (CompressedImage(format='png', data=bytes(2 ** 20 + 1)), 'too_large'),
    # A small PNG whose header announces 16000x12000 pixels: refused before decoding.
    (CompressedImage(format='png', data=b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR'
                     + (16000).to_bytes(4, 'big') + (12000).to_bytes(4, 'big') + bytes(40)),
     'too_large'),
    (Image(height=481, width=640, encoding='mono8', step=640, data=bytes(640 * 481)),
     'too_large'),
    (Image(height=10, width=10, encoding='yuv422', step=20, data=bytes(200)), 'encoding'),
    (Image(height=10, width=10, encoding='rgb8', step=30, data=bytes(100)), 'truncated'),
])
def test_check_image_refuses_from_the_header(message, reason):
    with pytest.raises(ImageConversionError) as error:
        check_image(message, LIMITS)
    assert error.value.reason == reason


def test_check_image_accepts_images_within_the_limits():
    frame = RNG.integers(0, 255, (480, 640, 3), dtype=np.uint8)
    check_image(fill_image(Image(), frame), ImageLimits(640 * 480, 2 ** 21))
    jpeg = cv2.imencode('.jpg', frame)[1].tobytes()
    check_image(CompressedImage(format='jpeg', data=jpeg), LIMITS)


def test_an_empty_compressed_image_is_a_conversion_error_not_a_crash():
    with pytest.raises(ImageConversionError, match='empty compressed image'):
        compressed_to_bgr8(CompressedImage(format='jpeg', data=b''))
