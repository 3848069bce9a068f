#!/usr/bin/env bash
# Makes the three base images the Dockerfile builds on, locally, for machines that cannot pull from a
# registry (CI here): a Debian 12 root from debootstrap, a JDK 25 image and a jlinked JRE 25 image,
# both with Java at /opt/java/openjdk as in the eclipse-temurin images they stand in for.
#   docker/base-images.sh            makes the images that are missing
#   docker build --build-arg JDK_IMAGE=localgate/jdk:25 --build-arg JRE_IMAGE=localgate/jre:25 \
#                --build-arg BASE_IMAGE=localgate/debian:bookworm -t localgate:latest .
# Needs root (debootstrap), a running Docker engine, JAVA_HOME pointing at a JDK 25, and Debian's mirror.
set -euo pipefail
: "${JAVA_HOME:?set JAVA_HOME to a JDK 25}"
debian=localgate/debian:bookworm jdk=localgate/jdk:25 jre=localgate/jre:25
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

exists() { docker image inspect "$1" >/dev/null 2>&1; }

if ! exists "$debian"; then
  echo "base-images: debootstrap bookworm into $work/root"
  debootstrap --variant=minbase bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$work"/root/var/cache/apt/archives/*.deb "$work"/root/var/lib/apt/lists/*
  tar -C "$work/root" -c . | docker import - "$debian" >/dev/null
  rm -rf "$work/root"
fi

# an image = the Debian root plus one Java folder at /opt/java/openjdk
java_image() {
  local tag=$1 java_dir=$2
  mkdir -p "$work/$tag/ctx"
  cp -aL "$java_dir" "$work/$tag/ctx/openjdk"
  cat >"$work/$tag/ctx/Dockerfile" <<DOCKERFILE
FROM $debian
COPY openjdk /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
DOCKERFILE
  DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$work/$tag/ctx" >/dev/null
  rm -rf "$work/$tag"
}

if ! exists "$jdk"; then
  echo "base-images: $jdk from $JAVA_HOME"
  java_image "$jdk" "$JAVA_HOME"
fi
if ! exists "$jre"; then
  echo "base-images: $jre (jlink)"
  "$JAVA_HOME/bin/jlink" --add-modules java.se,jdk.incubator.vector,jdk.unsupported,jdk.management,jdk.crypto.ec,jdk.zipfs,jdk.jfr,jdk.management.jfr,jdk.naming.dns,jdk.net,jdk.localedata,jdk.charsets,jdk.jcmd \
    --strip-debug --no-man-pages --no-header-files --compress=zip-6 --output "$work/jre"
  java_image "$jre" "$work/jre"
fi
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^localgate/' || true
