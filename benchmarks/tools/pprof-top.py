#!/usr/bin/env python3
"""Flat and cumulative CPU shares per function of a Go CPU profile (pprof), without the Go toolchain.

The nats-server binary here is stripped, so `perf` cannot name its functions, but the server's own profiler can:
run a benchmark with FABRIX_BENCH_NATS_PROFILE=PORT (benchmarks/run.sh passes `--profile PORT` to nats-server), take
    curl -s "http://127.0.0.1:PORT/debug/pprof/profile?seconds=4" -o cpu.pprof
during the phase of interest, and read it with
    benchmarks/tools/pprof-top.py cpu.pprof [N]
A pprof file is a gzipped protocol buffer (github.com/google/pprof, proto/profile.proto); this reads the fields it
needs by hand (samples, locations, functions, string table), so it needs nothing beyond Python 3.
"""
import collections
import gzip
import sys


def varint(data, i):
    result = shift = 0
    while True:
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, i


def fields(data):
    """(field number, wire type, value) of each field of one message."""
    i = 0
    while i < len(data):
        key, i = varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(data, i)
        elif wire == 2:
            length, i = varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield number, wire, value


def integers(value, wire):
    """A repeated integer field: one varint, or a packed run of them."""
    if wire == 0:
        return [value]
    out, i = [], 0
    while i < len(value):
        number, i = varint(value, i)
        out.append(number)
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: pprof-top.py PROFILE [N]")
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    with open(sys.argv[1], "rb") as file:
        raw = file.read()
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw

    strings, samples, locations, functions = [], [], {}, {}
    for number, wire, value in fields(data):
        if number == 2:  # Sample: location_id (1), value (2)
            ids, values = [], []
            for n, w, v in fields(value):
                if n == 1:
                    ids += integers(v, w)
                elif n == 2:
                    values += integers(v, w)
            samples.append((ids, values))
        elif number == 4:  # Location: id (1), line (4) -> Line.function_id (1)
            location, lines = 0, []
            for n, w, v in fields(value):
                if n == 1:
                    location = v
                elif n == 4:
                    lines += [fv for fn, _, fv in fields(v) if fn == 1]
            locations[location] = lines
        elif number == 5:  # Function: id (1), name (2, string table index)
            function, name = 0, 0
            for n, w, v in fields(value):
                if n == 1:
                    function = v
                elif n == 2:
                    name = v
            functions[function] = name
        elif number == 6:
            strings.append(value.decode("utf-8", "replace"))

    flat, cumulative, total = collections.Counter(), collections.Counter(), 0
    for ids, values in samples:
        weight = values[-1]  # the last sample type: cpu nanoseconds
        total += weight
        names = [strings[functions.get(f, 0)] for location in ids for f in locations.get(location, [])]
        if names:
            flat[names[0]] += weight
        for name in set(names):
            cumulative[name] += weight

    if total == 0:
        sys.exit("no samples")
    print(f"total {total / 1e9:.2f} s of CPU in {len(samples)} stacks")
    for title, counter in (("flat", flat), ("cumulative", cumulative)):
        print(f"--- {title}")
        for name, weight in counter.most_common(top):
            print(f"{100 * weight / total:6.2f}%  {name}")


if __name__ == "__main__":
    main()
