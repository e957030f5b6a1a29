#!/usr/bin/python3
# jcheck.py JOURNAL: walk the journal's framing (8-byte magic, then records
# of u32 length, u32 crc32c of the payload, payload) the way a reader must,
# and print "RECORDS VALID_LENGTH FILE_LENGTH".  Exit 0 when the file is
# exactly its valid prefix (no torn or corrupt tail), 1 otherwise.
import struct
import sys


def crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


TABLE = crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def main():
    data = open(sys.argv[1], "rb").read()
    if data[:8] != b"MPIBJNL1":
        print(0, 0, len(data))
        return 1
    pos, n = 8, 0
    while pos + 8 <= len(data):
        length, crc = struct.unpack_from("<II", data, pos)
        end = pos + 8 + length
        if length == 0 or end > len(data) or crc32c(data[pos + 8:end]) != crc:
            break
        pos, n = end, n + 1
    print(n, pos, len(data))
    return 0 if pos == len(data) else 1


sys.exit(main())
