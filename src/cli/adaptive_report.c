/* What `predoff profile --adaptive` shows (adaptive_report.h). */
#include <math.h>

#include "adaptive_report.h"
#include "fit_flags.h"

/* "m:ss" (or "-" for no budget). */
static void clock_text(double s, char *buf, size_t n)
{
    if (!isfinite(s)) {
        snprintf(buf, n, "-");
        return;
    }
    long t = (long)(s + 0.5);
    snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

static const char *name_of(const pd_fit_quality *q)
{
    return pd_layer_model_name(q->type, q->kind);
}

void cli_adaptive_progress(void *ctx, const pd_adaptive_state *s)
{
    cli_adaptive_bar *b = ctx;
    if (b->lines > 0)
        fprintf(b->tty, "\033[%dA", b->lines); /* back to the block's first line */
    char used[48], budget[48];
    clock_text(s->elapsed_s, used, sizeof used);
    clock_text(s->budget_s, budget, sizeof budget);
    double share = isfinite(s->budget_s) ? s->elapsed_s / s->budget_s : 0.0;
    int width = 30, filled = (int)(fmin(1.0, fmax(0.0, share)) * width);
    fprintf(b->tty, "\r\033[Kadaptive %s/%s [%.*s%*s] round %zu, %zu points (%zu coarse)\n", used,
            budget, filled, "##############################", width - filled, "", s->round,
            s->points, s->coarse);
    fprintf(b->tty, "\033[K  %-18s %6s %9s %7s\n", "type", "rows", "CV MAPE", "<=10%");
    int lines = 2;
    for (int k = 0; k < PD_FIT_QUALITY_ROWS; k++) {
        const pd_fit_quality *q = &s->cv[k];
        if (!q->samples)
            continue;
        fprintf(b->tty, "\033[K  %-18s %6zu %8.1f%% %6.0f%%\n", name_of(q), q->samples, q->mape,
                100.0 * q->within_10);
        lines++;
    }
    b->lines = lines;
    fflush(b->tty);
}

void cli_adaptive_summary(FILE *f, const pd_adaptive_result *r, const pd_fit_options *fit,
                          double seconds, double budget_s)
{
    char used[48], budget[48];
    clock_text(seconds, used, sizeof used);
    clock_text(budget_s, budget, sizeof budget);
    fprintf(f, "adaptive sweep: %zu coarse points + %zu added in %zu round%s, %s%s%s (%s)\n",
            r->coarse, r->added, r->rounds, r->rounds == 1 ? "" : "s", used,
            isfinite(budget_s) ? " of a budget of " : "", isfinite(budget_s) ? budget : "",
            r->budget_spent ? "budget spent" : "--max-points reached, or no new shape near");
    fprintf(f, "guided by the %s fit's %zu-fold cross-validated error, features %s\n",
            cli_model_name(fit->model), fit->folds, cli_feature_name(fit->features));
    fprintf(f, "%-18s %13s %19s %15s\n", "type", "rows", "CV MAPE %", "<=10%");
    for (int k = 0; k < PD_FIT_QUALITY_ROWS; k++) {
        const pd_fit_quality *a = &r->before[k], *z = &r->after[k];
        if (!z->samples)
            continue;
        fprintf(f, "%-18s %5zu -> %5zu %8.1f -> %6.1f %6.2f -> %4.2f\n", name_of(z), a->samples,
                z->samples, a->mape, z->mape, a->within_10, z->within_10);
    }
}
