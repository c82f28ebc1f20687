#!/usr/bin/env bash
# Installs the Debian packages bt86, its tests and its reference guest need,
# only those missing, and makes sure the package lists know the kernel the
# reference guest is built from (tests/guest/build.sh uses apt-get download).
set -euo pipefail

packages=(
    gcc binutils meson ninja-build pkg-config
    libglib2.0-dev libslirp-dev libcapstone-dev libsdl2-dev liblzma-dev
    qemu-system-x86 python3 libc6-dev
)

sudo=()
if ((EUID != 0)); then
    sudo=(sudo)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
            grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if ((${#missing[@]})); then
    echo "== installing: ${missing[*]}"
    "${sudo[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y \
        --no-install-recommends "${missing[@]}"
fi

# The reference guest (tests/guest/build.sh) is fetched with apt-get
# download: the package lists must know linux-image-amd64.
if ! apt-cache depends linux-image-amd64 2>/dev/null | grep -q 'Depends: linux-image-'; then
    echo "== apt-get update (for the reference guest's packages)"
    "${sudo[@]}" apt-get update
fi
