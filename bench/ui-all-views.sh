# shellcheck shell=sh
# Sourced by bench/ui-flood.sh and bench/ui-views-stop.sh: settings for a
# kdhost window that opens with every debugger view, kept in a key file
# under a private XDG_CONFIG_HOME (nothing of the user's is read or
# written).
#
#   all_views_settings BUILD_DIR CONFIG_DIR
#
# Exports GSETTINGS_BACKEND, GSETTINGS_SCHEMA_DIR and XDG_CONFIG_HOME. The
# Disassembly view is opened last, so it is the page on screen; the Memory
# view follows @rsp, so it has something to read at every stop.
ALL_VIEWS="['registers', 'stack', 'modules', 'breakpoints', 'processors', 'memory', 'disassembly']"

all_views_settings() {
  export GSETTINGS_BACKEND=keyfile GSETTINGS_SCHEMA_DIR="$1/data" XDG_CONFIG_HOME="$2"
  if ! gsettings set org.kdhost.Kdhost open-views "$ALL_VIEWS" \
    || ! gsettings set org.kdhost.Kdhost memory-address "'@rsp'" \
    || ! gsettings set org.kdhost.Kdhost memory-follow true \
    || [ "$(gsettings get org.kdhost.Kdhost open-views)" != "$ALL_VIEWS" ]; then
    echo "all_views_settings: could not preset the views with gsettings" >&2
    return 1
  fi
}
