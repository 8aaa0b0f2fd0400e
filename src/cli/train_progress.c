/* What predoff train prints as it goes (train_progress.h). */
#include "train_progress.h"

#include <inttypes.h>

#include "safe_name.h"

void cli_train_bar(void *ctx, const pd_train_job *j, uint64_t done, uint64_t total)
{
    enum { WIDTH = 24 };
    FILE *bar = ctx;
    if (!bar || ((done - 1) % 8 != 0 && done != total))
        return;
    int fill = (int)(WIDTH * done / (total ? total : 1));
    fprintf(bar, "\repoch %" PRIu64 "/%" PRIu64 " [%.*s%*s] %" PRIu64 "/%" PRIu64 " loss %.4f acc",
            j->epoch + 1, j->epochs, fill, "########################", WIDTH - fill, "", done,
            total, j->seen ? j->loss_sum / (double)j->seen : 0.0);
    for (size_t k = 0; k < j->g->n_exits; k++)
        fprintf(bar, " %.3f", j->seen ? (double)j->correct[k] / (double)j->seen : 0.0);
    fflush(bar);
}

void cli_train_epoch_line(void *ctx, const pd_train_job *j, double seconds)
{
    char nb[CLI_NAME_BUF];
    if (ctx)
        fprintf(ctx, "\r\033[K");
    printf("epoch %" PRIu64 "/%" PRIu64 ": loss %.4f; train accuracy", j->epoch + 1, j->epochs,
           j->loss_sum / (double)j->seen);
    for (size_t k = 0; k < j->g->n_exits; k++)
        printf(" %s %.4f", cli_safe_name(j->g->layers[j->g->exits[k]].name, nb, sizeof nb),
               (double)j->correct[k] / (double)j->seen);
    printf("; test accuracy");
    for (size_t k = 0; k < j->g->n_exits; k++)
        printf(" %s %.4f", cli_safe_name(j->g->layers[j->g->exits[k]].name, nb, sizeof nb),
               j->test_accuracy[k]);
    printf(" (%.1f s)\n", seconds);
    fflush(stdout);
}
