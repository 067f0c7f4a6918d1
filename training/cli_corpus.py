"""``emoface corpus build --out DIR``: synthesise the training corpus (resumable)."""
from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("corpus", help="build the synthetic speech corpus")
    verbs = p.add_subparsers(dest="verb", required=True, metavar="VERB")
    b = verbs.add_parser("build", help="synthesise utterances with phone timings (rerun to resume)")
    b.add_argument("--corpus", "--out", dest="corpus", type=Path, required=True,
                   help="corpus folder (the --corpus of train configs and evaluate; --out is the old spelling)")
    b.add_argument("--scale", choices=["quick", "small", "full"], default="small",
                   help="quick: a few lines (tests); small: ~360 lines; full: ~1400 lines")
    b.add_argument("--count", type=int, help="number of Piper utterances (overrides --scale)")
    b.add_argument("--espeak-count", type=int,
                   help="number of espeak-ng utterances (default: 30%% of --count; 0 = none)")
    b.add_argument("--seed", type=int, default=0)
    a = verbs.add_parser("align", help="force-align one recording with its transcript (pocketsphinx)")
    a.add_argument("audio", type=Path)
    a.add_argument("--text", required=True, help="the words spoken")
    a.add_argument("-o", "--output", type=Path, required=True, help="phones JSON")
    i = verbs.add_parser("import", help="add recordings (DIR/*.wav with *.txt transcripts) to a corpus")
    i.add_argument("folder", type=Path)
    i.add_argument("--corpus", "--out", dest="corpus", type=Path, required=True, help="corpus folder")
    i.add_argument("--split", default="val", choices=["train", "val"], help="split of the recordings (default val)")


def run(args: argparse.Namespace) -> int:
    if args.verb == "align":
        from server.runtime.audio_io import decode_file
        from training.corpus.align import align
        from training.phones import save_alignment

        spans = align(decode_file(args.audio), args.text)
        save_alignment(spans, args.output)
        print(f"{len(spans)} phones over {spans[-1].end_s:.2f} s -> {args.output}")
        return 0
    if args.verb == "import":
        from training.corpus.align import import_recordings

        added = import_recordings(args.folder, args.corpus, args.split)
        print(f"imported {added} recordings into {args.corpus}")
        return 0
    from training.corpus.build import build

    added = build(args.corpus, args.scale, args.seed, args.count, espeak_count=args.espeak_count,
                  command=getattr(args, "command_line", None))
    print(f"added {added} utterances to {args.corpus} (manifest: {args.corpus / 'manifest.jsonl'})")
    return 0
