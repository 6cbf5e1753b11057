#!/usr/bin/env bash
# Debian packages for the system-font path of letters: DejaVu Sans for Latin text,
# WenQuanYi Micro Hei for Chinese (both embedded in every PDF). No longer required —
# without them letters use the copies shipped with the project and the
# paperang-p2-fonts-cjk wheel (tests/channels/letters/test_letter_fonts_bare.py) — but CI
# installs them so that the path production takes stays tested.
# Idempotent and quiet: does nothing when everything is installed.
set -euo pipefail

# chromium and its driver: the workspace's pages are tested in a real headless browser.
packages=(fonts-dejavu-core fonts-wqy-microhei chromium chromium-driver)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo -n)
echo "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >/dev/null
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    2> >(grep -v "^debconf: delaying package configuration" >&2)
