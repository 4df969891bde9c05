# Makes the throwaway certificates the TLS tests use, under ops/.run/tls/. Sourced by ops scripts.
# Loopback only: the server certificate names DNS:localhost and nothing else, so connecting by
# 127.0.0.1 is the wrong-host case. Nothing here is ever used outside tests.
#
#   ca.pem / ca.key            the CA the broker and the tests trust
#   server.pem / server.key    the broker's certificate (CN and SAN localhost), signed by ca
#   client.pem / client.key    a client certificate (CN hipcall-sync-test-client), signed by ca
#   other-ca.pem               an unrelated CA: trusting it instead of ca.pem is the wrong-CA case

TLS_DIR="${HIPCALL_TLS_DIR:-$PWD/ops/.run/tls}"
# The subject the client certificate carries; the tests find it in the broker's connection list.
TLS_CLIENT_SUBJECT="hipcall-sync-test-client"

# tls_cert_valid FILE: whether FILE is a certificate valid for at least one more day.
tls_cert_valid() {
  [ -s "$1" ] && openssl x509 -in "$1" -noout -checkend 86400 >/dev/null 2>&1
}

# tls_make_ca NAME: a self-signed CA NAME.pem / NAME.key in TLS_DIR.
tls_make_ca() {
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -subj "/CN=hipcall-sync throwaway $1" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$TLS_DIR/$1.key" -out "$TLS_DIR/$1.pem" 2>/dev/null
}

# tls_make_leaf NAME CN EXTENSIONS: NAME.pem / NAME.key signed by ca, with the x509v3 EXTENSIONS.
tls_make_leaf() {
  local name="$1" common_name="$2" extensions="$3"
  openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=$common_name" \
    -keyout "$TLS_DIR/$name.key" -out "$TLS_DIR/$name.csr" 2>/dev/null
  printf '%s\n' "$extensions" >"$TLS_DIR/$name.ext"
  openssl x509 -req -sha256 -days 30 -in "$TLS_DIR/$name.csr" -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca.key" \
    -CAcreateserial -extfile "$TLS_DIR/$name.ext" -out "$TLS_DIR/$name.pem" 2>/dev/null
  rm -f "$TLS_DIR/$name.csr" "$TLS_DIR/$name.ext"
}

# ensure_tls_certificates: makes every file above when one is missing or expires within a day.
ensure_tls_certificates() {
  local file missing=0
  for file in ca server client other-ca; do
    tls_cert_valid "$TLS_DIR/$file.pem" || missing=1
  done
  [ "$missing" = 0 ] && return 0
  echo "==> making throwaway TLS certificates in $TLS_DIR"
  mkdir -p "$TLS_DIR"
  # All at once: the leaves must be signed by the CA made with them.
  rm -f "$TLS_DIR"/{ca,other-ca,server,client}.{pem,key} "$TLS_DIR/ca.srl"
  tls_make_ca ca
  tls_make_ca other-ca
  tls_make_leaf server localhost \
    "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost"
  tls_make_leaf client "$TLS_CLIENT_SUBJECT" \
    "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  # Debian's broker started as root runs as the rabbitmq user: it reads the keys by group.
  chmod 755 "$TLS_DIR"
  chmod 644 "$TLS_DIR"/*.pem
  chmod 640 "$TLS_DIR"/*.key
  if [ "$(id -u)" -eq 0 ] && id rabbitmq >/dev/null 2>&1; then chgrp rabbitmq "$TLS_DIR"/*.key; fi
}

# tls_broker_config: the rabbitmq.conf lines of a TLS listener on 127.0.0.1:PORT using the files above.
# verify_peer checks a client certificate when one is presented; none is required.
tls_broker_config() {
  cat <<EOF
listeners.ssl.default = 127.0.0.1:$1
ssl_options.cacertfile = $TLS_DIR/ca.pem
ssl_options.certfile = $TLS_DIR/server.pem
ssl_options.keyfile = $TLS_DIR/server.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = false
EOF
}
