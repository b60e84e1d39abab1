#!/usr/bin/env bash
# The venue's shared journal: PostgreSQL on the desk PC or on one Pi of the venue.
#
#   sudo bash packaging/setup-venue-db.sh --screens 192.168.10.0/24
#
# Options:
#   --screens CIDR   the network the venue's other screens connect from (TLS required for
#                    them; repeat for more). Without it only this machine's screen connects.
#   --host NAME      the name or address the screens use for this machine (certificate
#                    name; default: this machine's fully qualified host name)
#   --backup-dir D   where the nightly backup goes (default /var/backups/charge-assist-kiosk)
#   --dry-run        print what would be done
#
# What it does (idempotent; run it again after changing the options):
# - installs Debian's `postgresql` (its main cluster, started by systemd);
# - creates the role and database `kiosk` with a random password, written to
#   /etc/charge-assist-kiosk/journal_password (0600) - copy that file to every screen, the
#   kiosk reads it through the systemd credential kiosk_journal_password;
# - TLS: a certificate for --host (self-signed, ten years), `ssl = on`, and pg_hba rules
#   that accept the screens' network only over TLS with a password (scram-sha-256); this
#   machine connects over loopback. Copy /etc/charge-assist-kiosk/venue-db.crt to the
#   screens and use sslmode=verify-full (printed at the end);
# - a nightly backup: charge-assist-kiosk-db-backup.timer runs pg_dump at 03:30 into
#   --backup-dir, one file per weekday (a week of backups);
# - the schema is NOT created here: the first screen that connects creates it (schema
#   migrations with a version table, see kiosk/core/journal/schema.py).
set -euo pipefail

PKG=charge-assist-kiosk
ETC=/etc/$PKG
NETS=()
HOST="$(hostname -f 2>/dev/null || hostname)"
BACKUP_DIR=/var/backups/$PKG
DRY=0

while [ $# -gt 0 ]; do
  case "$1" in
    --screens) NETS+=("$2"); shift 2 ;;
    --host) HOST="$2"; shift 2 ;;
    --backup-dir) BACKUP_DIR="$2"; shift 2 ;;
    --dry-run) DRY=1; shift ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

run() { if [ "$DRY" = 1 ]; then echo "+ $*"; else "$@"; fi; }
# systemd as init (a Pi, a desk PC); else (a container, a chroot) the cluster is run with
# Debian's pg_ctlcluster and the backup timer is only installed, for the next boot
SYSTEMD=0; [ -d /run/systemd/system ] && SYSTEMD=1
cluster() {   # cluster start|restart
  if [ "$SYSTEMD" = 1 ]; then
    if [ "$1" = start ]; then run systemctl enable --now "postgresql@$VER-main"; else run systemctl restart "postgresql@$VER-main"; fi
  elif [ "$1" = start ]; then
    if [ "$DRY" = 1 ]; then echo "+ pg_ctlcluster $VER main start"
    elif ! pg_ctlcluster "$VER" main status >/dev/null 2>&1; then pg_ctlcluster "$VER" main start; fi
  else
    run pg_ctlcluster "$VER" main restart
  fi
}
[ "$DRY" = 1 ] || [ "$(id -u)" = 0 ] || { echo "run as root (sudo)" >&2; exit 1; }

# 1. PostgreSQL (Debian's package: the main cluster under systemd)
if ! dpkg-query -W -f='${Status}' postgresql 2>/dev/null | grep -q "ok installed"; then
  run apt-get update -qq
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql openssl
fi
VER="$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)"
VER="${VER:-15}"
CONF=/etc/postgresql/$VER/main
cluster start

# 2. role and database, password in a root-only file
run install -d -m 0755 "$ETC"
if [ ! -s "$ETC/journal_password" ]; then
  if [ "$DRY" = 1 ]; then echo "+ (new password into $ETC/journal_password)"; else
    umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$ETC/journal_password"; umask 022
  fi
fi
PW="$( [ "$DRY" = 1 ] && echo dry-run || cat "$ETC/journal_password")"
psql_su() { run runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ "$DRY" = 1 ]; then echo "+ create role/database kiosk"; else
  if ! runuser -u postgres -- psql -qAt -c "SELECT 1 FROM pg_roles WHERE rolname='kiosk'" | grep -q 1; then
    psql_su -c "CREATE ROLE kiosk LOGIN"
  fi
  # the password through stdin, never on a command line
  printf "ALTER ROLE kiosk PASSWORD '%s';\n" "$PW" | runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qAt >/dev/null
  if ! runuser -u postgres -- psql -qAt -c "SELECT 1 FROM pg_database WHERE datname='kiosk'" | grep -q 1; then
    psql_su -c "CREATE DATABASE kiosk OWNER kiosk"
  fi
fi

# 3. TLS for the screens on other machines
CRT="$ETC/venue-db.crt"
if [ ! -s "$CONF/venue-db.key" ]; then
  run openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=$HOST" \
      -addext "subjectAltName=DNS:$HOST$(case "$HOST" in *[!0-9.]*) ;; *) echo ",IP:$HOST";; esac)" \
      -keyout "$CONF/venue-db.key" -out "$CONF/venue-db.crt"
  run chown postgres:postgres "$CONF/venue-db.key" "$CONF/venue-db.crt"
  run chmod 0600 "$CONF/venue-db.key"
fi
run install -m 0644 "$CONF/venue-db.crt" "$CRT"
LISTEN="localhost"
[ ${#NETS[@]} -gt 0 ] && LISTEN="*"
if [ "$DRY" = 1 ]; then echo "+ write $CONF/conf.d/charge-assist-kiosk.conf and pg_hba rules"; else
  install -d "$CONF/conf.d"
  cat > "$CONF/conf.d/charge-assist-kiosk.conf" <<EOF
# written by $PKG setup-venue-db.sh
listen_addresses = '$LISTEN'
ssl = on
ssl_cert_file = '$CONF/venue-db.crt'
ssl_key_file = '$CONF/venue-db.key'
password_encryption = scram-sha-256
# screens that vanish (power cut, cable) are noticed and their locks released
tcp_keepalives_idle = 10
tcp_keepalives_interval = 5
tcp_keepalives_count = 3
EOF
  HBA="$CONF/pg_hba.conf"
  sed -i '/# charge-assist-kiosk begin/,/# charge-assist-kiosk end/d' "$HBA"
  {
    echo "# charge-assist-kiosk begin"
    echo "host    kiosk   kiosk   127.0.0.1/32    scram-sha-256"
    echo "host    kiosk   kiosk   ::1/128         scram-sha-256"
    for n in "${NETS[@]}"; do echo "hostssl kiosk   kiosk   $n   scram-sha-256"; done
    echo "# charge-assist-kiosk end"
  } > "$HBA.kiosk"
  # before Debian's own rules, so the screens' network is TLS only
  cat "$HBA.kiosk" "$HBA" > "$HBA.new" && mv "$HBA.new" "$HBA" && rm -f "$HBA.kiosk"
  chown postgres:postgres "$HBA"
fi
cluster restart

# 4. nightly backup (a week of them)
run install -d -m 0750 -o postgres "$BACKUP_DIR"
if [ "$DRY" = 1 ]; then echo "+ write charge-assist-kiosk-db-backup.service/.timer"; else
  cat > /etc/systemd/system/$PKG-db-backup.service <<EOF
[Unit]
Description=Back up the venue journal of the Charge Assist kiosks

[Service]
Type=oneshot
User=postgres
ExecStart=/bin/sh -c 'pg_dump -Fc kiosk > $BACKUP_DIR/kiosk-\$(date +%%a).dump.tmp && mv $BACKUP_DIR/kiosk-\$(date +%%a).dump.tmp $BACKUP_DIR/kiosk-\$(date +%%a).dump'
EOF
  cat > /etc/systemd/system/$PKG-db-backup.timer <<EOF
[Unit]
Description=Nightly backup of the venue journal

[Timer]
OnCalendar=*-*-* 03:30
Persistent=true

[Install]
WantedBy=timers.target
EOF
  if [ "$SYSTEMD" = 1 ]; then
    systemctl daemon-reload
    systemctl enable --now $PKG-db-backup.timer
  else      # enabled for the next boot under systemd; nothing runs it until then
    install -d /etc/systemd/system/timers.target.wants
    ln -sf ../$PKG-db-backup.timer /etc/systemd/system/timers.target.wants/$PKG-db-backup.timer
    echo "note: systemd is not running here: the backup timer starts at the next boot" >&2
  fi
fi

# 5. this machine's own screen, if the kiosk is installed here: the password as a credential
if [ -f /lib/systemd/system/$PKG.service ] || [ -f /etc/systemd/system/$PKG.service ]; then
  run install -d /etc/systemd/system/$PKG.service.d
  if [ "$DRY" = 0 ]; then
    printf '[Service]\nLoadCredential=kiosk_journal_password:%s/journal_password\n' "$ETC" \
      > /etc/systemd/system/$PKG.service.d/venue-db.conf
    [ "$SYSTEMD" = 0 ] || systemctl daemon-reload
  fi
fi

cat <<EOF

The venue database is ready. On each screen, in $ETC/kiosk.env:

  this machine:   KIOSK_JOURNAL_URL=postgresql://kiosk@127.0.0.1:5432/kiosk
  other screens:  KIOSK_JOURNAL_URL=postgresql://kiosk@$HOST:5432/kiosk?sslmode=verify-full&sslrootcert=$CRT
                  KIOSK_SCREEN_ID=lobby        (a name per screen: lobby, garage, desk, ...)

and copy $ETC/journal_password (0600, root) and $CRT to the same paths there (the package
already carries psycopg, the kiosk's "venue" extra), then:

  sudo mkdir -p /etc/systemd/system/$PKG.service.d
  printf '[Service]\nLoadCredential=kiosk_journal_password:$ETC/journal_password\n' | \\
      sudo tee /etc/systemd/system/$PKG.service.d/venue-db.conf
  sudo systemctl daemon-reload && sudo systemctl restart $PKG

(The attendant desk run by hand reads KIOSK_JOURNAL_PASSWORD_FILE=$ETC/journal_password.)
Check with: kiosk doctor   (the "Session journal (venue database)" line)
Backups: $BACKUP_DIR (restore: pg_restore -c -d kiosk FILE, as postgres)
EOF
