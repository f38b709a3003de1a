# Configuration precedence, seen through `qberg s3 config`: flags > environment > qberg.conf > spark-defaults.conf;
# credentials come as a set from one source; secrets are never shown.
set -eu
cd "$TMPDIR"
for v in $(env | sed -n 's/^\(S3_[A-Z_]*\|AWS_[A-Z_]*\|QBERG_[A-Z_]*\|SPARK_[A-Z_]*\|GARAGE_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
export HOME=$TMPDIR/home XDG_CONFIG_HOME=
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
val() { sed -n "s/^$1 *= \(.*\)    # .*/\1/p" "$2"; }
src() { sed -n "s/^$1 *= .*    # \(.*\)/\1/p" "$2"; }

mkdir -p spark home
cat >spark/spark-defaults.conf <<'CONF'
# the seed's Spark settings
spark.sql.catalog.features            org.apache.iceberg.spark.SparkCatalog
spark.sql.catalog.features.type       hadoop
spark.sql.catalog.features.warehouse  s3a://features/warehouse
spark.hadoop.fs.s3a.endpoint          http://garage:3901
spark.hadoop.fs.s3a.path.style.access true
spark.hadoop.fs.s3a.connection.ssl.enabled=false
spark.hadoop.fs.s3a.access.key        GKsparkkey
spark.hadoop.fs.s3a.secret.key        sparksecret
CONF
export SPARK_CONF_DIR=$TMPDIR/spark
"$QBERG" s3 config >c1
[ "$(val warehouse c1)" = "s3a://features/warehouse" ] && [ "$(src warehouse c1)" = "spark-defaults.conf:4" ] && ok || bad "spark warehouse: $(cat c1)"
[ "$(val s3.endpoint c1)" = "http://garage:3901" ] && ok || bad "spark endpoint"
[ "$(val s3.path-style-access c1)" = "true" ] && [ "$(val s3.ssl-enabled c1)" = "false" ] && ok || bad "spark flags"
[ "$(val s3.access-key-id c1)" = "GKsparkkey" ] && [ "$(val s3.secret-access-key c1)" = "(hidden)" ] && ok || bad "spark creds"
! grep -q sparksecret c1 && ok || bad "secret shown"

cat >qberg.conf <<'CONF'
# qberg.conf: key = value
s3.endpoint = http://garage:3900
s3.region   = "garage"
s3.secret-access-key = confsecret
CONF
"$QBERG" s3 config >c2
[ "$(val s3.endpoint c2)" = "http://garage:3900" ] && [ "$(src s3.endpoint c2)" = "qberg.conf:2" ] && ok || bad "conf endpoint: $(cat c2)"
[ "$(val s3.region c2)" = "garage" ] && ok || bad "quoted value"
# qberg.conf has a secret but no access key: the credential set stays Spark's
[ "$(src s3.access-key-id c2)" = "spark-defaults.conf:8" ] && [ "$(src s3.secret-access-key c2)" = "spark-defaults.conf:9" ] \
  && ok || bad "credentials mixed across sources: $(cat c2)"

S3_ENDPOINT=http://env:3900 S3_ACCESS_KEY=GKenv AWS_ACCESS_KEY_ID=GKaws AWS_SECRET_ACCESS_KEY=awssecret \
  "$QBERG" s3 config >c3
[ "$(val s3.endpoint c3)" = "http://env:3900" ] && [ "$(src s3.endpoint c3)" = "env S3_ENDPOINT" ] && ok || bad "env endpoint"
# S3_ACCESS_KEY without S3_SECRET_KEY: the key is env's, and no secret is borrowed from elsewhere
[ "$(val s3.access-key-id c3)" = "GKenv" ] && [ -z "$(val s3.secret-access-key c3)" ] && ok || bad "env creds set: $(cat c3)"
AWS_ACCESS_KEY_ID=GKaws AWS_SECRET_ACCESS_KEY=awssecret AWS_SESSION_TOKEN=tok AWS_ENDPOINT_URL=https://aws.example \
  "$QBERG" s3 config >c4
[ "$(val s3.access-key-id c4)" = "GKaws" ] && [ "$(src s3.session-token c4)" = "env AWS_SESSION_TOKEN" ] && ok || bad "aws creds: $(cat c4)"
[ "$(src s3.endpoint c4)" = "env AWS_ENDPOINT_URL" ] && ok || bad "AWS_ENDPOINT_URL"

S3_ENDPOINT=http://env:3900 QBERG_WAREHOUSE=s3://env/wh QBERG_S3_CONDITIONAL_PUT=false \
  "$QBERG" -w s3://flag/wh s3 --endpoint http://flag:3900 -o s3.region=flagregion config >c5
[ "$(val s3.endpoint c5)" = "http://flag:3900" ] && [ "$(src s3.endpoint c5)" = "option" ] && ok || bad "flag endpoint: $(cat c5)"
[ "$(val warehouse c5)" = "s3://flag/wh" ] && ok || bad "-w wins over QBERG_WAREHOUSE"
[ "$(val s3.region c5)" = "flagregion" ] && ok || bad "-o"
[ "$(src s3.conditional-put c5)" = "env QBERG_S3_CONDITIONAL_PUT" ] && ok || bad "QBERG_<KEY>"
QBERG_WAREHOUSE=s3://env/wh "$QBERG" s3 config >c6
[ "$(src warehouse c6)" = "env QBERG_WAREHOUSE" ] && ok || bad "QBERG_WAREHOUSE"
# QBERG_<KEY> is the most specific variable: it wins over the generic AWS_* / S3_* ones (a shell exporting
# AWS_REGION for AWS did override QBERG_S3_REGION for Garage), and credentials stay one set: a
# QBERG_S3_SECRET_ACCESS_KEY was paired with an S3_ACCESS_KEY from another variable set
AWS_REGION=eu-west-1 QBERG_S3_REGION=garage AWS_ENDPOINT_URL=https://aws.example QBERG_S3_ENDPOINT=http://g:3900 \
  "$QBERG" s3 config >c6b
[ "$(val s3.region c6b)" = "garage" ] && [ "$(val s3.endpoint c6b)" = "http://g:3900" ] && ok || bad "QBERG_<KEY> over AWS_*: $(cat c6b)"
AWS_ACCESS_KEY_ID=GKaws AWS_SECRET_ACCESS_KEY=awssecret QBERG_S3_ACCESS_KEY_ID=GKq QBERG_S3_SECRET_ACCESS_KEY=qsecret \
  QBERG_S3_SESSION_TOKEN=qtok "$QBERG" s3 config >c6c
[ "$(val s3.access-key-id c6c)" = "GKq" ] && [ "$(src s3.secret-access-key c6c)" = "env QBERG_S3_SECRET_ACCESS_KEY" ] \
  && [ "$(src s3.session-token c6c)" = "env QBERG_S3_SESSION_TOKEN" ] && ok || bad "QBERG_ credential set: $(cat c6c)"
S3_ACCESS_KEY=GKenv QBERG_S3_SECRET_ACCESS_KEY=qsecret "$QBERG" s3 config >c6d
[ "$(val s3.access-key-id c6d)" = "GKenv" ] && [ -z "$(val s3.secret-access-key c6d)" ] && ok || bad "secret borrowed from another set: $(cat c6d)"

# --config names the file; a typo is an error naming file:line
printf 'warehouse = /data/wh\ns3.endpiont = x\n' >bad.conf
set +e
"$QBERG" --config bad.conf s3 config >/dev/null 2>err; rc=$?
"$QBERG" --config nonexistent.conf s3 config >/dev/null 2>err2; rc2=$?
set -e
[ $rc = 1 ] && grep -q "QB_EINVAL: bad.conf:2: unknown key 's3.endpiont'" err && ok || bad "typo: $(cat err)"
[ $rc2 = 1 ] && grep -q "nonexistent.conf" err2 && ok || bad "missing --config file"
# a NUL byte in a short line is said as such (it was "line longer than 8192 bytes"); a long line still is
printf 'warehouse = /data/wh\ns3.region = us\000x\n' >nul.conf
awk 'BEGIN { printf "s3.region = "; for (i = 0; i < 9000; i++) printf "x"; print "" }' >long.conf
set +e
"$QBERG" --config nul.conf s3 config >/dev/null 2>err; rc=$?
"$QBERG" --config long.conf s3 config >/dev/null 2>err2; rc2=$?
set -e
[ $rc = 1 ] && grep -q "QB_EINVAL: nul.conf:2: NUL byte in the line" err && ok || bad "NUL byte: $(cat err)"
[ $rc2 = 1 ] && grep -q "QB_EINVAL: long.conf:1: line longer than 8192 bytes" err2 && ok || bad "long line: $(cat err2)"

# a key set twice was taken from its first line silently (an override appended at the end did nothing); a
# folder given as the file said only "read error"; a $QBERG_CONFIG that is not there did not say where the
# name came from
printf 'warehouse = /data/wh\ns3.region = us\nwarehouse = /other/wh\n' >dup.conf
mkdir -p conf.d
set +e
"$QBERG" --config dup.conf s3 config >/dev/null 2>err; rc=$?
"$QBERG" --config conf.d s3 config >/dev/null 2>err2; rc2=$?
QBERG_CONFIG=$TMPDIR/gone.conf "$QBERG" s3 config >/dev/null 2>err3; rc3=$?
set -e
[ $rc = 1 ] && grep -q "QB_EINVAL: dup.conf:3: 'warehouse' is set again (first at dup.conf:1)" err && ok || bad "duplicate key: $(cat err)"
[ $rc2 = 1 ] && grep -q "QB_EINVAL: conf.d: is a folder, not a settings file" err2 && ok || bad "folder: $(cat err2)"
[ $rc3 = 1 ] && grep -q 'QB_ENOTFOUND: \$QBERG_CONFIG: .*gone.conf' err3 && ok || bad "QBERG_CONFIG: $(cat err3)"
# "warehouse =" set it to "", which read as unset: "no warehouse is set (-w or QBERG_WAREHOUSE)"
printf 's3.region = us\nwarehouse =\n' >empty.conf
set +e
"$QBERG" --config empty.conf tables >/dev/null 2>err; rc=$?
set -e
[ $rc = 1 ] && grep -q "QB_EINVAL: empty.conf:2: 'warehouse' has no value" err && ok || bad "empty value: $(cat err)"

# a relative warehouse (or spark-defaults) in a settings file is relative to the file's folder: from
# ~/.config/qberg/qberg.conf it named a new, empty warehouse in whatever folder qberg ran in
mkdir -p sub/deeper
printf 'warehouse = wh\n' >sub/qb.conf
(cd sub/deeper && "$QBERG" --config ../qb.conf s3 config) >c9
[ "$(val warehouse c9)" = "../wh" ] && ok || bad "relative warehouse in --config ../qb.conf: $(cat c9)"
"$QBERG" --config "$TMPDIR/sub/qb.conf" s3 config >c10
[ "$(val warehouse c10)" = "$TMPDIR/sub/wh" ] && ok || bad "relative warehouse in an absolute --config: $(cat c10)"
printf 'warehouse = wh\n' >qb2.conf
"$QBERG" --config qb2.conf s3 config >c11
[ "$(val warehouse c11)" = "wh" ] && ok || bad "relative warehouse in ./qb2.conf: $(cat c11)"
set +e
"$QBERG" s3 -o =1 config >/dev/null 2>err; rc=$?
set -e
[ $rc = 2 ] && [ "$(head -n 1 err)" = "qberg s3: -o expects KEY=VALUE, got '=1'" ] && ok || bad "-o =1: $(cat err)"
"$QBERG" --config=qb2.conf s3 config >c12
[ "$(src warehouse c12)" = "qb2.conf:1" ] && ok || bad "--config=FILE (as --warehouse=): $(cat c12)"
# an empty value is a usage error naming the option (--config= said "QB_ENOTFOUND: : No such file or
# directory", --warehouse= and -w "" that no warehouse is set: found by exploreR)
for o in --config= --warehouse= "-w ''" "--config ''"; do
  set +e
  eval "\"\$QBERG\" $o s3 config" >/dev/null 2>err; rc=$?
  set -e
  [ $rc = 2 ] && grep -q "^qberg: --*[a-z]* needs a value, not an empty one$" err && ok || bad "empty $o: rc $rc $(cat err)"
done

# two Spark catalogs with a warehouse: ambiguous unless one is chosen
rm qberg.conf
cat >>spark/spark-defaults.conf <<'CONF'
spark.sql.catalog.raw.warehouse       s3a://raw-results/warehouse
CONF
set +e
"$QBERG" s3 config >/dev/null 2>err; rc=$?
set -e
[ $rc = 1 ] && grep -q "several Spark catalogs define a warehouse" err && ok || bad "ambiguous catalogs: $(cat err)"
echo "spark.sql.defaultCatalog raw" >>spark/spark-defaults.conf
"$QBERG" s3 config >c7
[ "$(val warehouse c7)" = "s3a://raw-results/warehouse" ] && ok || bad "defaultCatalog: $(cat c7)"
echo "spark-catalog = features" >qberg.conf
"$QBERG" s3 config >c8
[ "$(val warehouse c8)" = "s3a://features/warehouse" ] && ok || bad "spark-catalog key: $(cat c8)"
QBERG_WAREHOUSE=/local/wh "$QBERG" s3 --json config | python3 -c '
import json, sys
rows = {d["key"]: d for d in map(json.loads, sys.stdin)}
assert rows["warehouse"]["value"] == "/local/wh" and rows["s3.secret-access-key"]["value"] == "(hidden)"' && ok || bad "json"
# s3 abort-uploads keeps an upload of unknown age (no <Initiated> in the listing: it read as begun in 1970 and
# was aborted, though it may be a writer's at work; found by exploreR2) unless --older-than 0s
cat >fake_uploads.py <<'PY'
import sys, http.server
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def send(self, code, body=b""):
        self.send_response(code); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_GET(self):
        self.send(200, b'<ListMultipartUploadsResult><IsTruncated>false</IsTruncated><Upload><Key>t/f</Key>'
                       b'<UploadId>u1</UploadId></Upload></ListMultipartUploadsResult>')
    def do_DELETE(self):
        open(sys.argv[1], "a").write(self.path + "\n"); self.send(204)
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True); s.serve_forever()
PY
python3 fake_uploads.py aborted >fake_port & fake=$!
for _ in $(seq 50); do [ -s fake_port ] && break; sleep 0.1; done
S3_ENDPOINT=http://127.0.0.1:$(cat fake_port) S3_ACCESS_KEY=k S3_SECRET_KEY=s S3_REGION=r QBERG_S3_MAX_RETRIES=0 \
  "$QBERG" --config=qb2.conf s3 abort-uploads s3://b/t/ 2>err && [ ! -e aborted ] && grep -q "0 aborted, 0 younger than 1d kept, and some of unknown age" err &&
  ok || bad "abort-uploads, unknown age: $(cat err aborted 2>/dev/null)"
S3_ENDPOINT=http://127.0.0.1:$(cat fake_port) S3_ACCESS_KEY=k S3_SECRET_KEY=s S3_REGION=r QBERG_S3_MAX_RETRIES=0 \
  "$QBERG" --config=qb2.conf s3 abort-uploads --older-than 0s s3://b/t/ 2>err && grep -q "uploadId=u1" aborted &&
  ok || bad "abort-uploads --older-than 0s, unknown age: $(cat err)"
kill $fake
echo "s3-config: $pass passed, $fail failed"
[ $fail = 0 ]
