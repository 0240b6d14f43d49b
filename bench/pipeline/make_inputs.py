"""Makes the P1 inputs: each test photo scaled to fit 640x480, centred on grey, saved as a quality-90 JPEG (timed)
and as a PNG of the same canvas (the agreement check: lossless, so both sides see identical pixels whatever JPEG
decoder they use)."""

import os
import sys

from PIL import Image

PHOTOS = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "grace_hopper.jpg", "astronaut.png"]


def main(photos_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for name in PHOTOS:
        img = Image.open(os.path.join(photos_dir, name)).convert("RGB")
        img.thumbnail((640, 480), Image.Resampling.LANCZOS)
        canvas = Image.new("RGB", (640, 480), (128, 128, 128))
        canvas.paste(img, ((640 - img.width) // 2, (480 - img.height) // 2))
        stem = os.path.join(out_dir, os.path.splitext(name)[0])
        canvas.save(stem + ".jpg", quality=90)
        canvas.save(stem + ".png")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
