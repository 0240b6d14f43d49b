"""Parser for dlib's binary serialisation of dlib_face_recognition_resnet_model_v1.dat.

Integers are a control byte (low nibble = byte count, 0x80 = negative) then little-endian magnitude bytes;
floats are (int mantissa, int exponent); tensors carry raw float32. Layer records follow, input side first.
The result is a list of layer dicts in forward order plus the input means.
"""

import numpy as np


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def byte(self):
        if self.pos >= len(self.data):
            raise ValueError("unexpected end of dlib file")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def int(self):
        control = self.byte()
        if control & 0x70:
            raise ValueError(f"bad integer control byte 0x{control:02x} at {self.pos - 1}")
        n = control & 0x0F
        raw = self.data[self.pos:self.pos + n]
        self.pos += n
        value = int.from_bytes(raw, "little")
        return -value if control & 0x80 else value

    def float(self):
        mantissa = self.int()
        exponent = self.int()
        specials = {32000: float("inf"), 32001: float("-inf"), 32002: float("nan")}
        if exponent in specials:
            return specials[exponent]
        return float(np.ldexp(float(mantissa), exponent))

    def string(self):
        n = self.int()
        s = self.data[self.pos:self.pos + n].decode("ascii")
        self.pos += n
        return s

    def bool(self):
        b = self.byte()
        if b not in (0x30, 0x31):
            raise ValueError(f"bad bool byte 0x{b:02x} at {self.pos - 1}")
        return b == 0x31

    def tensor(self):
        if self.int() != 2:
            raise ValueError("unsupported tensor version")
        shape = tuple(self.int() for _ in range(4))
        count = int(np.prod(shape))
        values = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.pos).copy()
        self.pos += 4 * count
        return values.reshape(shape)

    def alias(self):
        if self.int() != 1:
            raise ValueError("unsupported alias_tensor version")
        return tuple(self.int() for _ in range(4))


def _record(r):
    kind = r.string()
    if kind == "con_4":
        params = r.tensor().reshape(-1)
        f, nr, nc, sy, sx, py, px = (r.int() for _ in range(7))
        fshape = r.alias()
        r.alias()
        for _ in range(4):
            r.float()
        c = fshape[1]
        n_w = f * c * nr * nc
        return {"type": "conv", "weight": params[:n_w].reshape(f, c, nr, nc), "bias": params[n_w:n_w + f],
                "stride": (sy, sx), "pad": (py, px)}
    if kind == "affine_":
        params = r.tensor().reshape(-1)
        r.alias()
        r.alias()
        if r.int() != 0:
            raise ValueError("only per-channel affine layers are supported")
        c = params.size // 2
        return {"type": "affine", "gamma": params[:c], "beta": params[c:]}
    if kind == "relu_":
        return {"type": "relu"}
    if kind in ("max_pool_2", "avg_pool_2"):
        nr, nc, sy, sx, py, px = (r.int() for _ in range(6))
        return {"type": "max_pool" if kind == "max_pool_2" else "avg_pool", "size": (nr, nc), "stride": (sy, sx),
                "pad": (py, px)}
    if kind == "add_prev_":
        return {"type": "add_prev"}
    if kind == "fc_2":
        n_out = r.int()
        n_in = r.int()
        params = r.tensor()
        r.alias()
        r.alias()
        if r.int() != 1:
            raise ValueError("only fc layers without bias are supported")
        for _ in range(4):
            r.float()
        return {"type": "fc", "weight": params.reshape(n_in, n_out)}
    raise ValueError(f"unsupported dlib layer type {kind!r}")


def _tail(r):
    for _ in range(3):
        r.bool()
    for _ in range(3):
        r.tensor()


def parse(data):
    """Returns {"mean": (r, g, b), "size": (nr, nc), "layers": [...] in forward order}."""
    r = Reader(data)
    if r.int() != 1 or r.string() != "loss_metric_2":
        raise ValueError("not a dlib metric-loss network")
    r.float()
    r.float()
    versions = []
    while True:
        v = r.int()
        versions.append(v)
        if v == 3:
            break
    if r.string() != "input_rgb_image_sized":
        raise ValueError("unexpected input layer")
    mean = (r.float(), r.float(), r.float())
    size = (r.int(), r.int())
    layers = [_record(r)]
    _tail(r)
    r.int()  # sample_expansion_factor
    while r.pos < len(data):
        layers.append(_record(r))
        _tail(r)
    return {"mean": mean, "size": size, "layers": layers}
