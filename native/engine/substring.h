// Finding a short literal in a line, for the query prefilter. glibc's memmem
// runs a byte-at-a-time two-way search on short needles and was the largest
// cost of a filtered scan; this is the SIMD "first and last byte" search
// (W. Mula, "SIMD-friendly algorithms for substring searching"): test two
// bytes of the needle at 16 positions at once, memcmp only where both match.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace zds {

// A literal to look for, with its anchor bytes chosen once.
class LiteralSearch {
 public:
  explicit LiteralSearch(std::string_view needle)
      : needle_(needle),
        // JSON literals start and end with '"', which is everywhere in a
        // line: anchor on the bytes inside the quotes when there are any.
        a_(needle.size() > 2 ? 1 : 0),
        b_(needle.size() > 2 ? needle.size() - 2 : (needle.empty() ? 0 : needle.size() - 1)) {}

  bool In(const char* hay, size_t n) const {
    const size_t m = needle_.size();
    const char* needle = needle_.data();
    if (m == 0) return true;
    if (m > n) return false;
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i first = _mm_set1_epi8(needle[a_]);
    const __m128i last = _mm_set1_epi8(needle[b_]);
    for (; i + m + 15 <= n; i += 16) {
      const __m128i block_a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(hay + i + a_));
      const __m128i block_b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(hay + i + b_));
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
      if (hay[i + a_] == needle[a_] && hay[i + b_] == needle[b_] && std::memcmp(hay + i, needle, m) == 0)
        return true;
    }
    return false;
  }

  const std::string& needle() const { return needle_; }

 private:
  std::string needle_;
  size_t a_, b_;
};

inline bool ContainsLiteral(const char* hay, size_t n, const char* needle, size_t m) {
  return LiteralSearch(std::string_view(needle, m)).In(hay, n);
}

}  // namespace zds
