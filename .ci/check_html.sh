#!/usr/bin/env bash
# Look at the claims report as a person would: render the HTML page in headless Chromium,
# save a screenshot, and check that the browser's DOM has every matrix cell.
#
#   .ci/check_html.sh [REPORT.html] [SCREENSHOT.png]
#
# Defaults: reports/claims-report.html (written by `tox -e report`) and a PNG beside it.
# Needs Debian's chromium (apt-get update && apt-get install -y chromium). Exits non-zero when
# Chromium is missing, fails, or the page it loaded lacks the matrix.
set -euo pipefail
cd "$(dirname "$0")/.."

page=$(realpath "${1:-reports/claims-report.html}")
shot=$(realpath -m "${2:-${page%.html}.png}")
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "check_html: chromium is not installed (apt-get install -y chromium)" >&2
    exit 2
fi
[ -f "$page" ] || { echo "check_html: no page at $page (run tox then tox -e report)" >&2; exit 2; }

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
       --disable-component-update --disable-sync --no-first-run --hide-scrollbars
       "--user-data-dir=$profile")

"$browser" "${flags[@]}" --window-size=1600,1200 "--screenshot=$shot" "file://$page" 2>/dev/null
[ -s "$shot" ] || { echo "check_html: chromium wrote no screenshot" >&2; exit 1; }

# The DOM as the browser built it: count the matrix's cells and rows.
"$browser" "${flags[@]}" --dump-dom "file://$page" 2>/dev/null | python3 -c '
import sys
from html.parser import HTMLParser

class Count(HTMLParser):
    cells = rows = 0
    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if tag == "td" and (cls.startswith("v ") or cls == "notrun"):
            Count.cells += 1
        if tag == "th" and cls == "claim" and dict(attrs).get("id"):
            Count.rows += 1

Count().feed(sys.stdin.read())
if not Count.cells or not Count.rows:
    sys.exit("check_html: the page the browser loaded has no matrix")
print(f"check_html: the browser laid out {Count.rows} claim rows and {Count.cells} cells")
'
echo "check_html: screenshot at $shot"
