#!/bin/bash
# Our modules must load next to every distribution module they do not
# replace: a symbol we export that another module also exports (say
# Debian's vhost_iotlb.ko, which vdpa keeps loaded) makes insmod fail with
# "Invalid module format". Host-side, against each kernel's Module.symvers.
#   tests/abi/check-symbols.sh
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
rc=0
ours=$(grep -ho 'EXPORT_SYMBOL[_A-Z]*([a-z_0-9]*)' "$top"/drivers/vhost/*.c |
	sed 's/.*(\(.*\))/\1/' | sort -u)
# Modules we replace, as Module.symvers names them.
replaced='^drivers/vhost/(vhost|vhost_net|vhost_scsi|vhost_vsock|vhost_test)$'
for symvers in /usr/src/linux-headers-*-amd64/Module.symvers; do
	[ -f "$symvers" ] || continue
	kver=$(basename "$(dirname "$symvers")" | sed 's/^linux-headers-//')
	clash=$(awk -v re="$replaced" '$3 !~ re { print $2 " " $3 }' "$symvers" |
		grep -wFf <(printf '%s\n' $ours) | awk 'NR <= 5' | tr '\n' ' ')
	if [ -n "$clash" ]; then
		echo "FAIL abi/$kver/exports_clash_with_no_module_we_do_not_replace - $clash"
		rc=1
	else
		echo "PASS abi/$kver/exports_clash_with_no_module_we_do_not_replace"
	fi
done
exit $rc
