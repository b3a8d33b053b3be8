/* A two-sample test for "these two groups of byte strings look alike",
 * used by the tests that check an image cannot tell two kinds of lock file
 * (or slot) apart. For each bit position, the frequency of ones in group a
 * against group b (two-proportion z); the largest |z| over all positions.
 * Over n positions, |z| > 6 happens by chance with probability ~ n * 2e-9. */
#ifndef HUSH_TEST_STATS_H
#define HUSH_TEST_STATS_H

#include <math.h>

static double
max_z(const unsigned *a_ones, unsigned n_a, const unsigned *b_ones, unsigned n_b, int bits)
{
    double worst = 0;
    int b;
    for (b = 0; b < bits; b++) {
        double p1 = (double) a_ones[b] / n_a, p2 = (double) b_ones[b] / n_b;
        double p = (double) (a_ones[b] + b_ones[b]) / (n_a + n_b);
        double se = sqrt(p * (1 - p) * (1.0 / n_a + 1.0 / n_b));
        double z = se > 0 ? fabs(p1 - p2) / se : 0;
        if (z > worst) worst = z;
    }
    return worst;
}

#endif
