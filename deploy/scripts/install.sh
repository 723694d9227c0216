#!/usr/bin/env bash
# Installs PortScanEdge on a gateway: service user and groups, directories, the published binaries, the config,
# the systemd unit and the udev rules. Enables (and with --start, starts) the service only when
# `portscan-edge validate` accepts the config; otherwise it leaves the service disabled and exits 2.
#
# Usage: install.sh --bin DIR --config FILE [--root DIR] [--start]
#   --bin DIR      output of deploy/scripts/publish.sh for this machine's architecture (contains portscan-edge)
#   --config FILE  the site config; copied to /etc/portscan-edge/site.yaml (an existing one is kept as .previous)
#   --root DIR     install into DIR instead of / (an image being built, or a test); accounts are written to
#                  DIR/etc/passwd and friends, the unit is enabled with `systemctl --root`, nothing is started
#   --start        start (restart) the service after enabling it (only with --root /)
# Exit codes: 0 installed and enabled; 1 failure; 2 config rejected (installed, not enabled); 64 usage.
set -euo pipefail

service=portscan-edge
user=portscan-edge
root=/
bin=
config=
start=0
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
deploy_dir="$(dirname "$script_dir")"

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 64; }
die() { echo "install.sh: $*" >&2; exit 1; }

while (($# > 0)); do
  case "$1" in
    --bin) bin="${2:-}"; shift 2 || usage ;;
    --config) config="${2:-}"; shift 2 || usage ;;
    --root) root="${2:-}"; shift 2 || usage ;;
    --start) start=1; shift ;;
    -h|--help) usage ;;
    *) echo "install.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ -n "$bin" && -n "$config" ]] || usage
[[ -x "$bin/portscan-edge" ]] || die "--bin $bin: no executable portscan-edge in it (run deploy/scripts/publish.sh first)"
[[ -f "$config" ]] || die "--config $config: no such file"
[[ -d "$root" ]] || die "--root $root: no such directory"
root="$(cd "$root" && pwd)"
[[ $(id -u) -eq 0 ]] || die "must run as root (it creates a system user and writes under $root)"
if [[ "$root" != / && $start -eq 1 ]]; then die "--start cannot be used with --root"; fi

prefix=()
if [[ "$root" != / ]]; then prefix=(--prefix "$root"); fi
etc="${root%/}/etc"
opt="${root%/}/opt/$service"
state="${root%/}/var/lib/$service"

# 1. Accounts: a system user with no shell and no login, in dialout (serial) and gpio (lane I/O).
grep -q '^gpio:' "$etc/group" 2>/dev/null || groupadd "${prefix[@]}" --system gpio
grep -q '^dialout:' "$etc/group" 2>/dev/null || groupadd "${prefix[@]}" --system dialout
if ! grep -q "^$user:" "$etc/passwd" 2>/dev/null; then
  useradd "${prefix[@]}" --system --user-group --no-create-home --home-dir "/var/lib/$service" \
    --shell /usr/sbin/nologin --comment "PortScanEdge gateway" "$user"
fi
usermod "${prefix[@]}" --append --groups dialout,gpio "$user"

# 2. Directories. systemd also creates the state directory (StateDirectory=); doing it here lets validate and
#    an operator inspect it before the first start.
install -d -m 0755 "$opt"
install -d -m 0750 "$etc/$service"
install -d -m 0750 "$state"

# 3. Binaries (replaced as a whole, so a removed file from an older version does not linger).
rm -rf "$opt.new"
cp -a "$bin" "$opt.new"
rm -rf "$opt"
mv "$opt.new" "$opt"

# 4. Config.
if [[ -f "$etc/$service/site.yaml" ]] && ! cmp -s "$config" "$etc/$service/site.yaml"; then
  cp -a "$etc/$service/site.yaml" "$etc/$service/site.yaml.previous"
fi
install -m 0640 "$config" "$etc/$service/site.yaml"

# 5. Unit and udev rules.
install -d "$etc/systemd/system" "$etc/udev/rules.d"
install -m 0644 "$deploy_dir/systemd/$service.service" "$etc/systemd/system/$service.service"
install -m 0644 "$deploy_dir/udev/99-$service.rules" "$etc/udev/rules.d/99-$service.rules"

# Ownership inside the root: numeric ids from the root's own passwd file.
uid="$(awk -F: -v u="$user" '$1 == u { print $3 }' "$etc/passwd")"
gid="$(awk -F: -v u="$user" '$1 == u { print $4 }' "$etc/passwd")"
chown -R "$uid:$gid" "$state"
chown "root:$gid" "$etc/$service" "$etc/$service/site.yaml"

# 6. The gate: the installed binary must accept the installed config, or the service stays disabled.
if ! "$opt/portscan-edge" validate --config "$etc/$service/site.yaml"; then
  echo "install.sh: portscan-edge validate rejected $etc/$service/site.yaml; the service is installed but NOT enabled." >&2
  echo "install.sh: fix the config, then run this script again." >&2
  if [[ "$root" == / ]]; then systemctl disable "$service.service" >/dev/null 2>&1 || true; else
    systemctl --root="$root" disable "$service.service" >/dev/null 2>&1 || true; fi
  exit 2
fi

if [[ "$root" == / ]]; then
  systemctl daemon-reload
  command -v udevadm >/dev/null && udevadm control --reload-rules && udevadm trigger --subsystem-match=tty --subsystem-match=gpio
  systemctl enable "$service.service"
  if ((start)); then systemctl restart "$service.service"; fi
else
  systemctl --root="$root" enable "$service.service"
fi
echo "install.sh: installed and enabled $service.service under $root"
