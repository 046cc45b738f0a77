"""Encoder of the N-MNIST 40-bit event format for tests (the inverse of the reader)."""


def encode_events(x, y, p, t) -> bytes:
    """Encode events in the N-MNIST 40-bit format, inserting overflow markers past 2**23 us."""
    out = bytearray()
    epoch = 0
    for xi, yi, pi, ti in zip(x, y, p, t):
        while ti >> 23 > epoch:
            epoch += 1
            out += bytes([0, 240, 0, 0, 0])
        low = ti & 0x7FFFFF
        out += bytes([xi, yi, (pi << 7) | (low >> 16), (low >> 8) & 0xFF, low & 0xFF])
    return bytes(out)
