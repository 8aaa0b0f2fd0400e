/* The three matrices of Winograd's minimal filtering F(m, r) (Lavin and Gray, "Fast
 * Algorithms for Convolutional Neural Networks", 2016), built by the Cook-Toom
 * construction rather than copied from tables, so that any m and r with n = m + r - 1 <= 8
 * come out of one rule:
 *
 *   y = A^T [ (G g) . (B^T d) ]     (. elementwise)
 *
 * is the correlation y_i = sum_k g_k d_{i+k} of n inputs d with r taps g, m outputs.
 *
 * Derivation, for a reader who checks it: the linear convolution s = g * h of r taps with
 * m samples is a polynomial product of degree n - 1, fixed by its values at n - 1 points
 * p_j and its leading coefficient (the "point at infinity"):
 *   s = V^-1 [ (E_r g) . (E_m h) ],  E_k[j][t] = p_j^t (t < k),  V = E_n,
 * the infinity row of each E being (0, ..., 0, 1). Correlation is the transpose of that map
 * in h, so A^T = E_m^T, G = E_r, B^T = V^-T. Row j of V^-T holds the coefficients of the
 * Lagrange polynomial l_j(x) = prod_{l != j} (x - p_l) / f_j, f_j = prod_{l != j} (p_j - p_l),
 * and its infinity row the coefficients of prod_l (x - p_l). The factor 1 / f_j moves from
 * B^T's row j to G's row j (the product is unchanged), which leaves B^T with integer
 * entries for integer points: the input transform, done in float on every inference, then
 * rounds nothing for the small points used first. */
#include "winograd.h"

#include <string.h>

/* The finite points, in the order that keeps the transforms' entries smallest. */
static const double points[PD_WINOGRAD_MAX_N - 1] = {0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5};

/* poly (degree < len) times (x - p), in place; poly has room for len + 1 coefficients. */
static void times_root(double *poly, int len, double p)
{
    poly[len] = 0.0;
    for (int t = len; t > 0; t--)
        poly[t] = poly[t - 1] - p * poly[t];
    poly[0] = -p * poly[0];
}

void pd_winograd_matrices(int m, int r, double *at, double *g, double *bt)
{
    const int n = m + r - 1, finite = n - 1;
    memset(at, 0, (size_t)(m * n) * sizeof *at);
    memset(g, 0, (size_t)(n * r) * sizeof *g);
    memset(bt, 0, (size_t)(n * n) * sizeof *bt);
    double poly[PD_WINOGRAD_MAX_N + 1];
    for (int j = 0; j < finite; j++) {
        const double p = points[j];
        double f = 1.0, power = 1.0;
        int len = 1;
        poly[0] = 1.0;
        for (int l = 0; l < finite; l++)
            if (l != j) {
                f *= p - points[l];
                times_root(poly, len++, points[l]);
            }
        for (int t = 0; t < len; t++)
            bt[j * n + t] = poly[t];
        for (int k = 0; k < (m > r ? m : r); k++, power *= p) {
            if (k < m)
                at[k * n + j] = power;
            if (k < r)
                g[j * r + k] = power / f;
        }
    }
    int len = 1;
    poly[0] = 1.0;
    for (int l = 0; l < finite; l++)
        times_root(poly, len++, points[l]);
    for (int t = 0; t < len; t++)
        bt[finite * n + t] = poly[t];
    at[(m - 1) * n + finite] = 1.0;
    g[finite * r + r - 1] = 1.0;
}
