import { loadSharp } from "../sharp-loader.ts";
import type { SharpFunction } from "../sharp-require.ts";

/** Images the tests make with sharp (no binary fixtures, docs/files.md). */
export interface TestImages {
  /** 64×32 PNG. */
  png: Buffer;
  /** 40×20 pixels stored, EXIF orientation 6: 20×40 once rotated. */
  jpegRotated: Buffer;
  /** Two-frame 16×16 animated GIF. */
  animatedGif: Buffer;
  /** 30×20 SVG with an XML prolog. */
  svg: Buffer;
  /** The same SVG without a prolog. */
  svgBare: Buffer;
}

let cached: Promise<TestImages> | null = null;

export function testImages(): Promise<TestImages> {
  cached ??= makeImages();
  return cached;
}

async function makeImages(): Promise<TestImages> {
  const sharp = (await loadSharp()) as SharpFunction;
  const solid = (width: number, height: number, r: number) =>
    sharp({ create: { width, height, channels: 3, background: { r, g: 80, b: 160 } } });
  const png = await solid(64, 32, 200).png().toBuffer();
  const jpegRotated = await solid(40, 20, 30).jpeg().withMetadata({ orientation: 6 }).toBuffer();
  const frames = Buffer.concat([
    await solid(16, 16, 255).raw().toBuffer(),
    await solid(16, 16, 0).raw().toBuffer(),
  ]);
  // Two 16×16 frames stacked vertically; pageHeight makes sharp write them as frames.
  const animatedGif = await sharp(frames, {
    raw: { width: 16, height: 32, channels: 3, pageHeight: 16 },
  })
    .gif({ loop: 0, delay: [100, 100] })
    .toBuffer();
  const body =
    '<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"><rect width="30" height="20" fill="#c05"/></svg>';
  return {
    png,
    jpegRotated,
    animatedGif,
    svg: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${body}\n`),
    svgBare: Buffer.from(body),
  };
}
