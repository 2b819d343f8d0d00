// simdjson_floor.cpp: the benchmark's fastest parse-only floor. Reads an
// NDJSON file (whole, into one padded buffer: the load is timed too, as
// `screen --parse-only` times its own reading) and parses each line alone
// with simdjson's DOM parser on one thread.
//
// Why DOM and not On Demand: On Demand parses lazily, so a document whose
// values are never asked for is only indexed, not parsed. The DOM parser
// validates the whole document and writes every value to its tape (strings
// unescaped, numbers converted) before it returns: each document is touched
// fully, as our reader does, and nothing is walked after it (a walk would
// only lower the floor). Each root's type is summed and printed so the
// parse cannot be optimised away.
//
// usage: simdjson_floor FILE   prints: records seconds records_per_s bad
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstring>

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: simdjson_floor FILE\n");
    return 2;
  }
  auto t0 = std::chrono::steady_clock::now();
  simdjson::padded_string text;
  if (simdjson::padded_string::load(argv[1]).get(text)) {
    std::fprintf(stderr, "simdjson_floor: cannot read %s\n", argv[1]);
    return 1;
  }
  simdjson::dom::parser parser;
  const char *p = text.data(), *end = p + text.size();
  long records = 0, bad = 0;
  size_t roots = 0;
  while (p < end) {
    const char *nl = static_cast<const char *>(std::memchr(p, '\n', (size_t)(end - p)));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (len) {
      // realloc_if_needed false: the bytes after the line are the rest of
      // the file and the buffer's own padding, readable as simdjson needs.
      simdjson::dom::element doc;
      if (parser.parse(p, len, false).get(doc)) bad++;
      else {
        records++;
        roots += (size_t)doc.type();
      }
    }
    p += len + 1;
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%ld %.6f %.0f %ld\n", records, s, s > 0 ? (double)records / s : 0.0, bad);
  std::fprintf(stderr, "simdjson (%s): %zu\n",
               simdjson::get_active_implementation()->name().c_str(), roots);
  return 0;
}
