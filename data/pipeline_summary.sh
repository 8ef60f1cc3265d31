#!/bin/bash
# Prints where a finished pipeline (make demo, make pipeline) put everything, and the
# validation accuracy from its evaluation (vgg-train --eval's table, saved as eval.txt).
# Usage: RAW=... WORK=... RUN=... BIN=... data/pipeline_summary.sh NAME
set -eu
name=$1
eval_txt=$RUN/eval.txt
# The table: a header line starting with "class", one line per class, then
# "all <images> <top-1>% <top-5>%".
read -r images top1 top5 < <(awk '$1 == "all" { n = $2; t1 = $3; t5 = $4 } END { print n, t1, t5 }' "$eval_txt")
classes=$(awk '$1 == "class" { on = 1; next } $1 == "all" { on = 0 } on { n++ } END { print n + 0 }' "$eval_txt")
if [ -z "$top1" ] || [ "$classes" -eq 0 ]; then
    echo "$name: cannot read the accuracy from $eval_txt" >&2
    exit 2
fi

cat <<EOF

$name: done. Everything is under $WORK/:
  raw pictures   $RAW
  converted      $WORK/images/           (skipped inputs, if any: convert-errors.tsv)
  store          $WORK/data.lmdb         ($BIN/vgg-pack --info $WORK/data.lmdb)
  checkpoints    $RUN/best.safetensors   $RUN/last.safetensors
  metrics        $RUN/metrics.csv
  curves         $RUN/curves.png
  evaluation     $eval_txt
EOF
awk -v c="$classes" -v n="$images" -v t1="$top1" -v t5="$top5" -v name="$name" 'BEGIN {
    printf "%s: validation accuracy of the best checkpoint on %d images: top-1 %s, top-5 %s (chance: %.1f%%)\n",
           name, n, t1, t5, 100 / c }'
