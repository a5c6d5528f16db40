#!/bin/sh
# install.sh — `make install` into a scratch DESTDIR, then compile and link a
# small program outside the tree with pkg-config, against the shared and the
# static library, run both, and `make uninstall` again.
set -eu
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
prefix=/opt/firebreak-test
make --no-print-directory install PREFIX="$prefix" DESTDIR="$root" >/dev/null
for f in bin/firebreak lib/libfirebreak.a lib/libfirebreak.so include/firebreak/breaker.h \
    lib/pkgconfig/firebreak.pc; do
    [ -e "$root$prefix/$f" ] || { echo "install.sh: $f was not installed"; exit 1; }
done

mkdir "$root/app"
cat >"$root/app/main.c" <<'C'
#include <firebreak/breaker.h>
#include <stdio.h>
int main(void)
{
    fb_config cfg; fb_breaker *b; fb_permit p;
    fb_config_init(&cfg);
    cfg.window_size = 4; cfg.min_calls = 4;
    if (fb_breaker_new(&b, "app", &cfg) != FB_OK) return 1;
    for (int i = 0; i < 4; i++)
        if (fb_breaker_acquire(b, i, &p)) fb_breaker_record(b, &p, FB_FAILURE, 1, i);
    printf("%s %s\n", fb_version(), fb_state_name(fb_breaker_state(b, 5)));
    fb_breaker_free(b);
    return 0;
}
C
# The .pc file names the final prefix; point pkg-config at the DESTDIR copy.
export PKG_CONFIG_PATH="$root$prefix/lib/pkgconfig"
cflags=$(pkg-config --cflags firebreak | sed "s|$prefix|$root$prefix|g")
libs=$(pkg-config --libs firebreak | sed "s|$prefix|$root$prefix|g")
version=$(pkg-config --modversion firebreak)
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror $cflags "$root/app/main.c" $libs -o "$root/app/shared"
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror $cflags "$root/app/main.c" "$root$prefix/lib/libfirebreak.a" \
    -o "$root/app/static"
out=$(LD_LIBRARY_PATH="$root$prefix/lib" "$root/app/shared")
[ "$out" = "$version OPEN" ] || { echo "install.sh: shared build printed '$out'"; exit 1; }
out=$("$root/app/static")
[ "$out" = "$version OPEN" ] || { echo "install.sh: static build printed '$out'"; exit 1; }
LD_LIBRARY_PATH="$root$prefix/lib" ldd "$root/app/shared" | grep -q "libfirebreak.so.0 =>" ||
    { echo "install.sh: the program does not load libfirebreak.so.0"; exit 1; }
head -1 "$root$prefix/share/man/man1/firebreak.1" | grep -q '^\.TH FIREBREAK 1' ||
    { echo "install.sh: the man page is not installed"; exit 1; }
# The man page renders without a warning (man-db's own lint, when present).
if command -v man >/dev/null 2>&1; then
    warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -l -E UTF-8 \
        "$root$prefix/share/man/man1/firebreak.1" 2>&1 >/dev/null)
    [ -z "$warnings" ] || { echo "install.sh: the man page has warnings: $warnings"; exit 1; }
fi

make --no-print-directory uninstall PREFIX="$prefix" DESTDIR="$root" >/dev/null
left=$(find "$root$prefix" -type f | wc -l)
[ "$left" -eq 0 ] || { echo "install.sh: uninstall left $left file(s)"; exit 1; }
echo "install.sh: installed (with the man page), linked from outside the tree (shared and static), uninstalled"
