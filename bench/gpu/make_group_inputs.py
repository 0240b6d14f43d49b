"""Makes P2's group-photo inputs: 1920x1080 collages of the test portraits (4 x 2 cells of 480 x 540, each portrait
scaled to fit 440 x 500 and centred in its cell on grey), COUNT images whose portrait order is rotated by one from
one image to the next; deterministic. Each is saved as a quality-90 JPEG (timed) and as a PNG of the same canvas (the
agreement check, as in bench/pipeline/make_inputs.py).

Usage: python make_group_inputs.py PHOTOS_DIR OUT_DIR [COUNT]   (COUNT defaults to 3)
"""

import os
import sys

from PIL import Image

PHOTOS = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "grace_hopper.jpg", "astronaut.png"]
WIDTH, HEIGHT, COLUMNS, ROWS, MARGIN = 1920, 1080, 4, 2, 40


def main(photos_dir, out_dir, count):
    os.makedirs(out_dir, exist_ok=True)
    portraits = [Image.open(os.path.join(photos_dir, name)).convert("RGB") for name in PHOTOS]
    cell_w, cell_h = WIDTH // COLUMNS, HEIGHT // ROWS
    for n in range(count):
        canvas = Image.new("RGB", (WIDTH, HEIGHT), (128, 128, 128))
        for cell in range(COLUMNS * ROWS):
            img = portraits[(cell + n) % len(portraits)].copy()
            img.thumbnail((cell_w - MARGIN, cell_h - MARGIN), Image.Resampling.LANCZOS)
            x = (cell % COLUMNS) * cell_w + (cell_w - img.width) // 2
            y = (cell // COLUMNS) * cell_h + (cell_h - img.height) // 2
            canvas.paste(img, (x, y))
        stem = os.path.join(out_dir, f"group{n}")
        canvas.save(stem + ".jpg", quality=90)
        canvas.save(stem + ".png")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) == 4 else 3)
