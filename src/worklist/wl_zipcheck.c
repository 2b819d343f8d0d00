/*
** wl_zipcheck.c: is a workbook whole? libxlsxwriter does not check every
** write of its own temporary files nor of the zip: a disk that fills (or a
** file size limit) leaves a workbook that closes with no error, is a valid
** zip, and holds XML parts cut short. So the file is read back: the zip's
** end record and central directory must be where they say, and every XML
** part, inflated, must end with the closing tag of its root element.
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "wl_write.h"

#define MAX_WORKBOOK (1u << 30)

static unsigned long u16(const unsigned char *p) { return p[0] | (unsigned long)p[1] << 8; }
static unsigned long u32(const unsigned char *p) { return u16(p) | u16(p + 2) << 16; }

/* The XML text ends with </root> for the root element it opens. */
static bool xml_whole(const unsigned char *x, size_t n) {
  const unsigned char *p = x, *end = x + n;
  while (p < end && (p = memchr(p, '<', (size_t)(end - p))) && p + 1 < end && (p[1] == '?' || p[1] == '!')) p++;
  if (!p || p + 1 >= end) return false;
  const unsigned char *name = p + 1, *q = name;
  while (q < end && *q != ' ' && *q != '>' && *q != '/' && *q != '\r' && *q != '\n') q++;
  size_t len = (size_t)(q - name);
  while (n && (x[n - 1] == '\n' || x[n - 1] == '\r' || x[n - 1] == ' ')) n--;
  return len && n >= len + 3 && x[n - 1] == '>' && !memcmp(x + n - 1 - len, name, len) && x[n - len - 3] == '<' &&
         x[n - len - 2] == '/';
}

/* One entry (local header at off): inflated and, for .xml and .rels parts,
** checked whole. */
static bool entry_whole(const unsigned char *z, size_t size, const unsigned char *cd) {
  unsigned long method = u16(cd + 10), csize = u32(cd + 20), usize = u32(cd + 24), off = u32(cd + 42);
  size_t nlen = u16(cd + 28);
  const char *name = (const char *)cd + 46;
  bool xml = (nlen > 4 && !memcmp(name + nlen - 4, ".xml", 4)) || (nlen > 5 && !memcmp(name + nlen - 5, ".rels", 5));
  if (off + 30 > size || u32(z + off) != 0x04034b50) return false;
  size_t data = off + 30 + u16(z + off + 26) + u16(z + off + 28);
  if (data + csize > size || usize > MAX_WORKBOOK) return false;
  if (!xml) return true;
  unsigned char *out = malloc(usize ? usize : 1);
  if (!out) return false;
  bool ok = false;
  if (method == 0) {
    ok = csize == usize;
    if (ok) memcpy(out, z + data, usize);
  } else if (method == 8) {
    z_stream s = {0};
    if (inflateInit2(&s, -MAX_WBITS) == Z_OK) {
      s.next_in = (unsigned char *)z + data;
      s.avail_in = (uInt)csize;
      s.next_out = out;
      s.avail_out = (uInt)usize;
      ok = inflate(&s, Z_FINISH) == Z_STREAM_END && s.total_out == usize;
      inflateEnd(&s);
    }
  }
  ok = ok && xml_whole(out, usize);
  free(out);
  return ok;
}

bool wl_xlsx_whole(const char *filename) {
  FILE *f = fopen(filename, "rb");
  if (!f) return false;
  bool ok = fseek(f, 0, SEEK_END) == 0;
  long size = ok ? ftell(f) : -1;
  unsigned char *z = size >= 22 && (unsigned long)size <= MAX_WORKBOOK ? malloc((size_t)size) : NULL;
  ok = z && fseek(f, 0, SEEK_SET) == 0 && fread(z, 1, (size_t)size, f) == (size_t)size;
  fclose(f);
  const unsigned char *e = ok ? z + size - 22 : NULL; /* libxlsxwriter writes no zip comment */
  ok = ok && u32(e) == 0x06054b50;
  unsigned long n = ok ? u16(e + 10) : 0, cd_size = ok ? u32(e + 12) : 0, cd_off = ok ? u32(e + 16) : 0;
  ok = ok && cd_off + cd_size == (unsigned long)size - 22;
  const unsigned char *cd = ok ? z + cd_off : NULL;
  for (unsigned long i = 0; ok && i < n; i++) {
    if (cd + 46 > e || u32(cd) != 0x02014b50) {
      ok = false;
      break;
    }
    ok = entry_whole(z, (size_t)size, cd);
    cd += 46 + u16(cd + 28) + u16(cd + 30) + u16(cd + 32);
  }
  free(z);
  return ok;
}
