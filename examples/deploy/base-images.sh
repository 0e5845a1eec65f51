#!/bin/sh
# Makes the two base images of examples/deploy/Dockerfile locally, for machines that reach Debian's
# package mirror but no container registry (the images are then used under their usual names):
#
#   base-images.sh runtime   gcr.io/distroless/cc-debian12:nonroot, assembled as distroless
#                            assembles it: the files of Debian 12's libc6, libgcc-s1, libstdc++6,
#                            ca-certificates, netbase and tzdata packages (as installed on this
#                            Debian 12 host), /etc/passwd with root and nonroot (65532), /tmp
#   base-images.sh builder   docker.io/library/rust:1.95-slim-bookworm: `debootstrap` of Debian 12
#                            with gcc and libc6-dev, this host's Rust toolchain (rustup's active
#                            one) in /usr/local and this host's CA bundle
#
# Each is skipped when an image of that name exists already. Needs podman (Debian's package)
# and, for `builder`, debootstrap.
set -eu

RUNTIME_IMAGE=${RUNTIME_IMAGE:-gcr.io/distroless/cc-debian12:nonroot}
RUST_IMAGE=${RUST_IMAGE:-docker.io/library/rust:1.95-slim-bookworm}
PODMAN=${PODMAN:-podman}

exists() { $PODMAN image exists "$1"; }

runtime() {
    if exists "$RUNTIME_IMAGE"; then echo "$RUNTIME_IMAGE: present"; return; fi
    root=$(mktemp -d)
    trap 'rm -rf "$root"' EXIT
    # Debian 12 is merged-/usr: the packages' /lib paths are /usr/lib.
    mkdir -p "$root/usr/lib" "$root/usr/lib64" "$root/usr/bin" "$root/usr/sbin"
    for dir in lib lib64 bin sbin; do ln -s "usr/$dir" "$root/$dir"; done
    for package in libc6 libgcc-s1 libstdc++6 ca-certificates netbase tzdata; do
        dpkg -L "$package" | while read -r path; do
            if [ -f "$path" ] || [ -L "$path" ]; then
                mkdir -p "$root$(dirname "$path")"
                cp -a "$path" "$root$path"
            fi
        done
    done
    mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/home/nonroot"
    chmod 1777 "$root/tmp"
    chown 65532:65532 "$root/home/nonroot"
    # The bundle that ca-certificates' postinst generates.
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' >"$root/etc/group"
    tar -C "$root" -c . | $PODMAN import --change 'USER 65532:65532' --change 'WORKDIR /home/nonroot' - "$RUNTIME_IMAGE"
    echo "$RUNTIME_IMAGE: made from this host's Debian 12 packages"
}

builder() {
    if exists "$RUST_IMAGE"; then echo "$RUST_IMAGE: present"; return; fi
    root=$(mktemp -d)
    trap 'rm -rf "$root"' EXIT
    debootstrap --variant=minbase --include=gcc,libc6-dev,ca-certificates bookworm "$root" \
        http://deb.debian.org/debian >/dev/null
    # This host's trust store: `cargo fetch` in the build reaches crates.io as this host does
    # (through whatever TLS-inspecting proxy this host trusts).
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
    toolchain=$(rustc --print sysroot)
    cp -a "$toolchain/bin" "$toolchain/lib" "$root/usr/local/"
    rm -rf "$root/var/cache/apt/archives"/*.deb
    tar -C "$root" -c . | $PODMAN import --change 'ENV CARGO_HOME=/usr/local/cargo' \
        --change 'ENV PATH=/usr/local/cargo/bin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        - "$RUST_IMAGE"
    echo "$RUST_IMAGE: debootstrap of Debian 12 and the toolchain of $toolchain"
}

for what in "$@"; do "$what"; done
