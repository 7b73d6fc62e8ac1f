// Finding a short literal in a line, for the query prefilter. glibc's memmem
// runs a byte-at-a-time two-way search on short needles and was the largest
// cost of a filtered scan; this is the SIMD "first and last byte" search
// (W. Mula, "SIMD-friendly algorithms for substring searching"): test two
// bytes of the needle at 16 positions at once, memcmp only where both match.
#pragma once

#include <cstddef>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace zds {

inline bool ContainsLiteral(const char* hay, size_t n, const char* needle, size_t m) {
  if (m == 0) return true;
  if (m > n) return false;
  // JSON literals start and end with '"', which is everywhere in a line:
  // anchor on the bytes inside the quotes when there are any.
  const size_t a = m > 2 ? 1 : 0;
  const size_t b = m > 2 ? m - 2 : m - 1;
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i first = _mm_set1_epi8(needle[a]);
  const __m128i last = _mm_set1_epi8(needle[b]);
  for (; i + m + 15 <= n; i += 16) {
    const __m128i block_a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(hay + i + a));
    const __m128i block_b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(hay + i + b));
    unsigned mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(first, block_a), _mm_cmpeq_epi8(last, block_b))));
    while (mask != 0) {
      const unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
      if (std::memcmp(hay + i + bit, needle, m) == 0) return true;
      mask &= mask - 1;
    }
  }
#endif
  for (; i + m <= n; ++i) {
    if (hay[i + a] == needle[a] && hay[i + b] == needle[b] && std::memcmp(hay + i, needle, m) == 0) return true;
  }
  return false;
}

}  // namespace zds
