# qberg --help lists the verbs; an unknown verb is a usage error (exit 2); version prints the version.
set -eu
"$QBERG" --help | grep -q '^verbs:'
"$QBERG" version | grep -Eq '^qberg [0-9]+\.[0-9]+\.[0-9]+$'
"$QBERG" --json version | grep -Eq '^\{"qberg":"[0-9.]+"\}$'
set +e
"$QBERG" no-such-verb 2>/dev/null; [ $? = 2 ] || exit 1
"$QBERG" version extra 2>/dev/null; [ $? = 2 ] || exit 1
"$QBERG" 2>/dev/null; [ $? = 2 ] || exit 1
exit 0
