#!/usr/bin/env bash
# tools/kernel_timings_to_shapes.py on a small directory in Neurosurgeon's layout (one file
# of each kind): the rows it writes, field by field; that `predoff timings` completes them;
# and bad input (a bad value, a field missing or too many, a file that cannot be read, not
# UTF-8, OUT.csv one of the inputs), each exit 2 with one line naming file, line, column,
# and no OUT.csv left behind.
#   tests/kernel_timings_test.sh PREDOFF SOURCE_DIR
set -u
bin=$1
tool=$2/tools/kernel_timings_to_shapes.py
# shellcheck source=support/tally.sh
. "$2/tests/support/tally.sh"

d=$tmp/nsg
mkdir "$d"
printf 'HW,kernel,stride,Cin,Cout,FLOPs,latency\n224,3,2,3,32,1,0.244\n\n7,1,1,16,8,1,0.01\n' >"$d/dev_conv_lat.csv"
printf 'HW,kernel,stride,Cin,FLOPs,latency\n56,5,1,24,1,0.08\n' >"$d/dev_dw_conv_lat.csv"
printf 'in_features,out_features,FLOPs,latency\n10,160,3040,0.047\n' >"$d/dev_linear_lat.csv"
printf 'HW,kernel,stride,Cin,latency\n112,3,2,64,0.052\n' >"$d/dev_maxpool_lat.csv"
# adaptive: 224 -> 56 a 4 x 4 window; 7 -> 1 global; 224 -> 6 not divisible, skipped
printf 'HW,output,Cin,latency\n224,56,3,0.064\n7,1,512,0.01\n224,6,3,0.5\n' >"$d/dev_avgpool_lat.csv"
printf 'HW,Cin,latency\n28,8,0.142\n' >"$d/dev_batchnorm_lat.csv"
printf 'not,a,kind\n1,2,3\n' >"$d/README.csv" # no known suffix: not read

# run NAME STATUS: the tool on $d into $tmp/NAME.csv; its status, stdout in $tmp/out,
# stderr in $tmp/err
run() {
    python3 "$tool" "$d" "$tmp/$1.csv" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    [ "$got" = "$2" ] || { bad "$1: exit $got, wanted $2: $(head -c 300 "$tmp/err")"; return 1; }
}

if run good 0; then
    want='source,layer,type,kind,channels,height,width,filters,kernel_h,kernel_w,stride,pad,groups,out_channels,median_ms
dev_avgpool_lat,dev_avgpool_lat-1,pool,pool/avg,3,224,224,,4,,4,0,,,0.064
dev_avgpool_lat,dev_avgpool_lat-2,pool,pool/global,512,7,7,,,,,,,,0.01
dev_batchnorm_lat,dev_batchnorm_lat-1,bn,bn,8,28,28,,,,,,,,0.142
dev_conv_lat,dev_conv_lat-1,conv,conv,3,224,224,32,3,3,2,1,1,,0.244
dev_conv_lat,dev_conv_lat-2,conv,conv,16,7,7,8,1,1,1,0,1,,0.01
dev_dw_conv_lat,dev_dw_conv_lat-1,conv,conv/depthwise,24,56,56,24,5,5,1,2,24,,0.08
dev_linear_lat,dev_linear_lat-1,fc,fc,10,1,1,,,,,,,160,0.047
dev_maxpool_lat,dev_maxpool_lat-1,pool,pool,64,112,112,,3,,2,0,,,0.052'
    if [ "$(cat "$tmp/good.csv")" = "$want" ]; then ok; else
        bad "converted rows differ: $(diff <(echo "$want") "$tmp/good.csv")"; fi
    if grep -q "dev_avgpool_lat.csv: 2 rows, 1 skipped (adaptive windows that differ)$" "$tmp/out" &&
        grep -q '^8 rows -> ' "$tmp/out" && [ ! -s "$tmp/err" ]; then ok; else
        bad "tool's summary: $(cat "$tmp/out" "$tmp/err")"; fi
    # predoff takes every row: the layers it builds are the ones described
    if "$bin" timings "$tmp/good.csv" -o "$tmp/t.csv" >"$tmp/out" 2>"$tmp/err" &&
        grep -q '^8 timings from 1 file' "$tmp/out" &&
        grep -q '^dev_conv_lat,dev_conv_lat-1,conv,.*,conv,3,224,224,32,3,3,2,1,1,32,112,112,,,,,$' "$tmp/t.csv" &&
        grep -q '^dev_avgpool_lat,dev_avgpool_lat-1,pool,.*,pool/avg,3,224,224,0,4,4,4,0,0,3,56,56,,,,,$' "$tmp/t.csv"; then ok
    else bad "predoff timings on the converted rows: $(cat "$tmp/out" "$tmp/err")"; fi
fi

# expect_bad FILE CONTENT PATTERN: with FILE in $d holding CONTENT, the tool exits 2 with one
# line on stderr matching PATTERN and leaves no OUT.csv; FILE goes again after
expect_bad() {
    printf '%b' "$2" >"$d/$1"
    if run bad 2; then
        if [ "$(grep -c '' "$tmp/err")" = 1 ] && grep -qE -- "$3" "$tmp/err" && [ ! -e "$tmp/bad.csv" ]; then ok
        else bad "$1: stderr '$(cat "$tmp/err")' does not match '$3' (or bad.csv left)"; fi
    fi
    rm -rf "${d:?}/$1"
}
expect_bad x_conv_lat.csv 'HW,kernel,stride,Cin,Cout,FLOPs,latency\n224,3,1,3,-4,1,0.2\n' \
    'x_conv_lat.csv: line 2: column "Cout": "-4" is not a whole number from 1 to 1000000$'
# the line number is the file's, blank lines counted
expect_bad x_conv_lat.csv 'HW,kernel,stride,Cin,Cout,FLOPs,latency\n224,3,1,3,4,1,0.2\n\n7,3,1,3,1_0,1,0.2\n' \
    'x_conv_lat.csv: line 4: column "Cout": "1_0" is not'
expect_bad x_conv_lat.csv 'HW,kernel,stride,Cin,Cout,FLOPs,latency\n2000000,3,1,3,4,1,0.2\n' \
    'line 2: column "HW": 2000000 is not a whole number from 1 to 1000000$'
expect_bad x_linear_lat.csv 'in_features,out_features,FLOPs,latency\n10,160,3040,1e308\n' \
    'x_linear_lat.csv: line 2: column "latency": 1e308 ms is not in \[1e-9, 1e9\]$'
expect_bad x_linear_lat.csv 'in_features,out_features,FLOPs,latency\n10,160,3040,NaN\n' \
    'line 2: column "latency": "NaN" is not a number$'
expect_bad x_batchnorm_lat.csv 'HW,Cin,latency\n28,8\n' 'line 2: column "latency": missing$'
expect_bad x_batchnorm_lat.csv 'HW,Cin,latency\n28,8,0.1,9\n' 'line 2: more fields than the header names$'
expect_bad x_batchnorm_lat.csv 'HW,latency\n28,0.1\n' 'line 1: column "Cin": missing from the header$'
expect_bad x_maxpool_lat.csv 'HW,kernel,stride,Cin,latency\n112,3,2,"6\n4",0.05\n' \
    'line 3: column "Cin": "6\?4" is not a whole number'
expect_bad x_batchnorm_lat.csv 'HW,Cin,latency\n28,8,0.1\n\xff\n' 'x_batchnorm_lat.csv: not UTF-8 text \(a byte 0xff\)$'
mkdir "$d/x_conv_lat.csv" # a file that cannot be read: named, not OUT.csv
if run bad 2 && grep -qE 'x_conv_lat.csv: cannot read: Is a directory$' "$tmp/err" && [ ! -e "$tmp/bad.csv" ]; then ok
else bad "unreadable input: $(cat "$tmp/err")"; fi
rmdir "$d/x_conv_lat.csv"
# OUT.csv one of the inputs: refused before it is truncated
if python3 "$tool" "$d" "$d/dev_linear_lat.csv" 2>"$tmp/err"; [ $? = 2 ] &&
    grep -q 'dev_linear_lat.csv: is one of the input files$' "$tmp/err" && [ "$(grep -c '' "$d/dev_linear_lat.csv")" = 2 ]; then ok
else bad "OUT.csv an input: $(cat "$tmp/err")"; fi
# a file name predoff would not read back (a comma, 60 characters) becomes a source it does
printf 'HW,Cin,latency\n28,8,0.142\n' >"$d/a,b$(printf 'x%.0s' $(seq 60))_batchnorm_lat.csv"
if run names 0 && "$bin" timings "$tmp/names.csv" -o "$tmp/t.csv" >/dev/null 2>"$tmp/err" &&
    grep -q '^a_bxxxx*,a_bxxxx*-1,bn,' "$tmp/names.csv" && ! grep -q '"' "$tmp/names.csv" &&
    [ "$(grep '^a_b' "$tmp/names.csv" | cut -d, -f1 | tr -d '\n' | wc -c)" = 48 ]; then ok
else bad "source names: $(cat "$tmp/err"; grep '^a' "$tmp/names.csv")"; fi

tally_end "kernel_timings: "
