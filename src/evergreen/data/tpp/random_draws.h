// Platform-independent random draws for the point-process simulators: std::mt19937_64 is
// specified bit for bit by the standard, its distributions are not (their algorithms are left to
// the library), so the simulators draw through these instead.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace evergreen::tpp_random {

/// Uniform in [0, 1) from the top 53 bits.
inline double uniform(std::mt19937_64& generator) {
  return static_cast<double>(generator() >> 11) * 0x1.0p-53;
}

/// Exponential with rate 1; 1 - u lies in (0, 1], so the logarithm is finite.
inline double exponential(std::mt19937_64& generator) { return -std::log1p(-uniform(generator)); }

/// Standard normal by the Box-Muller transform (one of the pair; two uniforms per draw).
inline double normal(std::mt19937_64& generator) {
  const double radius = std::sqrt(2.0 * exponential(generator));
  return radius * std::cos(2.0 * M_PI * uniform(generator));
}

/// An index drawn with probabilities proportional to `weights` (non-negative, positive sum).
template <typename Weights>
size_t categorical(std::mt19937_64& generator, const Weights& weights) {
  double total = 0;
  for (double weight : weights) total += weight;
  const double u = uniform(generator) * total;
  double cumulative = 0;
  for (size_t k = 0; k < weights.size(); ++k) {
    cumulative += weights[k];
    if (u < cumulative) return k;
  }
  return weights.size() - 1;
}

/// A seed for stream `index` of a set seeded with `seed` (splitmix64's finaliser, so nearby
/// seeds and indices give unrelated generators).
inline uint64_t derived_seed(uint64_t seed, uint64_t index) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (index + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace evergreen::tpp_random
