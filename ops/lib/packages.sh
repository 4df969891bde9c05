# Installs the Debian packages the project needs, when they are missing. Sourced by ops scripts.

# ensure_packages PACKAGE...: apt-get installs whichever of PACKAGE is not installed yet.
ensure_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The packages every ops script relies on.
PROJECT_PACKAGES=(librabbitmq-dev pkg-config rabbitmq-server amqp-tools curl procps python3 openssl)
