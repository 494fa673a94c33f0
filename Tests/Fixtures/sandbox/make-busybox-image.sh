#!/bin/sh
# Builds the podman image qrun-busybox from Debian's busybox-static package (no registry
# needed): apt-get download, dpkg-deb -x, a rootfs with /bin/busybox and applet symlinks,
# then `podman import`. Usage: make-busybox-image.sh [IMAGE]  (default qrun-busybox)
set -eu
image=${1:-qrun-busybox}
if podman image exists "$image" 2>/dev/null; then exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download busybox-static >/dev/null
dpkg-deb -x busybox-static_*.deb pkg
mkdir -p rootfs/bin rootfs/sbin rootfs/usr/bin rootfs/usr/sbin rootfs/tmp rootfs/proc rootfs/sys rootfs/dev rootfs/etc
cp pkg/bin/busybox rootfs/bin/busybox
for applet in $(rootfs/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -sf busybox "rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > rootfs/etc/passwd
echo 'root:x:0:' > rootfs/etc/group
tar -C rootfs -c . | podman import --change 'CMD ["/bin/sh"]' - "$image" >/dev/null
