/* A training run across stops and resumes, the same for `dlab train
 * --resume` and the application's Resume: the checkpoint pair is checked
 * before anything is loaded, and the run's command line is kept.
 *
 * The log a run keeps (metrics.csv, the TensorBoard scalars) continues in
 * dlab_train itself when DlabTrainConfig.start_epoch is set: see train.h. */
#ifndef DLAB_RESUME_H
#define DLAB_RESUME_H

#include "dlab/checkpoint.h"
#include "dlab/model.h"
#include "dlab/optim.h"

/* A new run id: 32 random hex digits. */
void dlab_run_id_new(char id[DLAB_RUN_ID_SIZE]);

/* The mark a run's checkpoint file records (dlab.run_id, dlab.epoch,
 * dlab.step). 0, or -1 with a message naming the file when it cannot be
 * read, records none, or records values out of range. */
int dlab_run_mark_read(const char *path, DlabRunMark *mark);

/* Continues the run saved in `checkpoint` and its optimizer state beside
 * it (dlab_optimizer_state_path): removes what killed saves of either left
 * behind (dlab_atomic_remove_stale), checks that the two files are one
 * checkpoint (the same run id, epoch and step in both), that the epoch is
 * a whole number of epochs of `steps_per_epoch` steps, then loads the
 * weights into m and the state into opt. `mark` gets where the run was:
 * resume with start_epoch = mark->epoch and run_id = mark->run_id.
 * -1 with a message otherwise: for a mismatched pair it says which file is
 * newer and what can be done; m and opt may then hold partial state. */
int dlab_resume_load(const char *checkpoint, DlabModel *m, DlabOptimizer *opt, long steps_per_epoch,
                     DlabRunMark *mark);

/* DIR/command.txt: the command line of the run (argv[0..argc), each
 * argument quoted for a POSIX shell where it must be). A new run replaces
 * the file; a resume (`resume`) adds its line after the lines already
 * there, so the file keeps how the run was started and every resume.
 * Written atomically; -1 with a message naming the file. */
int dlab_run_command_write(const char *dir, int argc, const char *const *argv, int resume);

#endif
