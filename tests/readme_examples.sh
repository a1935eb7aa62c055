#!/bin/sh
# Runs every curl example of README.md's "Examples" section against a running server.
#
#   sh tests/readme_examples.sh BASE_URL [README]     e.g. http://127.0.0.1:41234
#
# The section starts at a heading whose text is "Examples" and ends at the next heading of
# the same or a higher level. Each example is one line starting with `curl ` whose target is
# quoted and starts with localhost:8080 (curl -s 'localhost:8080/v1/...'); that prefix is
# replaced by BASE_URL. The line runs as written (plus -o and -w to read the status), so it
# may hold only options, bare words and single-quoted strings: no pipes, redirections,
# variables or double quotes.
# Fails when the section is missing or holds no example, or an example answers non-2xx.
set -eu
base=${1:?usage: readme_examples.sh BASE_URL [README]}
readme=${2:-README.md}
base=${base%/}
case "$base" in
http://127.* | http://localhost:* | http://\[::1\]:*) ;;
*)
    echo "readme-examples: BASE_URL must be a loopback http:// URL, got '$base'" >&2
    exit 2
    ;;
esac

examples=$(awk '
    /^#+[ \t]/ {
        level = index($0, " ") - 1
        title = substr($0, level + 2)
        sub(/[ \t]+$/, "", title)
        if (insec && level <= seclevel) insec = 0
        if (title == "Examples") { insec = 1; seclevel = level; found = 1; next }
    }
    insec && /^curl / { print }
    END { if (!found) exit 3 }
' "$readme") || {
    echo "readme-examples: $readme has no \"Examples\" section" >&2
    exit 1
}
[ -n "$examples" ] || {
    echo "readme-examples: the Examples section of $readme has no curl line" >&2
    exit 1
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT INT TERM
pass=0
fail=0
nl='
'
IFS_SAVE=$IFS
IFS=$nl
for line in $examples; do
    IFS=$IFS_SAVE
    # Options, bare words and single-quoted strings only: eval can expand nothing.
    if ! printf '%s\n' "$line" | grep -Eq "^curl( +(-{1,2}[A-Za-z0-9-]+|'[^']*'|[A-Za-z0-9_.:/-]+))+ *\$"; then
        echo "readme-examples: not a plain curl line (options and single-quoted words only): $line" >&2
        fail=$((fail + 1))
        continue
    fi
    case "$line" in
    *"'localhost:8080/"*) ;;
    *)
        echo "readme-examples: the target must start with localhost:8080/: $line" >&2
        fail=$((fail + 1))
        continue
        ;;
    esac
    cmd=$(printf '%s\n' "$line" | sed "s#localhost:8080/#$base/#")
    code=$(eval "$cmd -o \"\$tmp\" -w '%{http_code}'" 2>/dev/null) || code="curl-error"
    case "$code" in
    2??)
        pass=$((pass + 1))
        echo "ok   $code $line"
        ;;
    *)
        fail=$((fail + 1))
        echo "FAIL $code $line"
        head -c 400 "$tmp"
        echo
        ;;
    esac
    IFS=$nl
done
IFS=$IFS_SAVE
echo "readme-examples: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
