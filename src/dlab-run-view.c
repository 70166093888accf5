/* DlabRunView: see dlab-run-view.h. */
#include "dlab-run-view.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dlab-fold-box.h"
#include "dlab-format.h"
#include "dlab/error.h"

struct _DlabRunView {
  AdwBin parent_instance;

  /* Template children. */
  GtkLabel *status_label, *error_label, *accuracy_label;
  GtkWidget *stop_button;
  GtkProgressBar *progress_bar;
  GtkStack *view_stack;
  DlabPlot *plot;
  DlabConfusionView *confusion_view;
  DlabMistakesView *mistakes_view;

  DlabTrainingJob *job;   /* the job watched */
  DlabStepInfo last_step; /* the newest step, shown at the next frame */
  guint progress_tick;    /* the tick callback that shows it */
};

G_DEFINE_FINAL_TYPE (DlabRunView, dlab_run_view, ADW_TYPE_BIN)

static char *
format_duration (double seconds)
{
  long s = (long) (seconds + 0.5);

  if (!isfinite (seconds) || seconds < 0)
    return g_strdup ("–");
  if (s >= 3600)
    return g_strdup_printf ("%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  return g_strdup_printf ("%ld:%02ld", s / 60, s % 60);
}

void
dlab_run_view_set_status (DlabRunView *self, const char *text)
{
  gtk_label_set_label (self->status_label, text);
}

const char *
dlab_run_view_get_status (DlabRunView *self)
{
  return gtk_label_get_label (self->status_label);
}

void
dlab_run_view_show_error (DlabRunView *self, const char *title, const char *details)
{
  g_autofree char *text = title ? g_strdup_printf ("%s: %s", title, details) : g_strdup (details);

  gtk_label_set_label (self->error_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
}

void
dlab_run_view_set_stoppable (DlabRunView *self, gboolean stoppable)
{
  if (stoppable)
    gtk_widget_add_css_class (self->stop_button, "destructive-action");
  else
    gtk_widget_remove_css_class (self->stop_button, "destructive-action");
}

/* ---- progress ------------------------------------------------------------------------------ */

/* The status line and the progress bar, once a frame however many steps
 * arrived since the last one (and not at all while the page is hidden). */
static gboolean
show_progress (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  DlabRunView *self = DLAB_RUN_VIEW (widget);
  const DlabStepInfo *info = &self->last_step;
  g_autofree char *elapsed = format_duration (info->elapsed_sec);
  g_autofree char *eta = format_duration (info->eta_sec);
  g_autofree char *ips = dlab_format_count ((long) (info->images_per_sec + 0.5));
  g_autofree char *text = NULL;
  long total = info->steps_per_epoch * info->epochs;

  (void) clock;
  (void) data;
  self->progress_tick = 0;
  /* The times first: in a narrow window the line wraps after them. */
  text = g_strdup_printf (_("Epoch %d of %d · step %ld of %ld · %s elapsed · %s left · loss %.3f · %s images/s"),
                          info->epoch, info->epochs, info->step_in_epoch, info->steps_per_epoch, elapsed, eta,
                          info->loss, ips);
  dlab_run_view_set_status (self, text);
  gtk_progress_bar_set_fraction (self->progress_bar, total > 0 ? (double) info->step / total : 0);
  return G_SOURCE_REMOVE;
}

static void
forget_progress (DlabRunView *self)
{
  if (self->progress_tick)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->progress_tick);
  self->progress_tick = 0;
}

static void
on_job_step (DlabTrainingJob *job, const DlabStepInfo *info, DlabRunView *self)
{
  double x = (info->epoch - 1) + (double) info->step_in_epoch / info->steps_per_epoch;

  (void) job;
  dlab_plot_add_step (self->plot, x, info->loss);
  self->last_step = *info;
  if (!self->progress_tick)
    self->progress_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), show_progress, NULL, NULL);
}

static void
on_job_epoch (DlabTrainingJob *job, const DlabEpochInfo *info, DlabRunView *self)
{
  (void) job;
  dlab_plot_add_epoch (self->plot, info->epoch, info->train_loss, info->train_accuracy, info->val_loss,
                       info->val_accuracy, info->test_loss, info->test_accuracy);
}

static void
on_job_finished (DlabTrainingJob *job, DlabRunView *self)
{
  g_autofree char *text = NULL;
  int done = dlab_training_job_get_epochs_done (job);

  forget_progress (self);
  switch (dlab_training_job_get_state (job))
    {
    case DLAB_JOB_DONE:
      text = g_strdup_printf (ngettext ("Trained %d epoch · evaluating on the test set…",
                                        "Trained %d epochs · evaluating on the test set…", done), done);
      gtk_progress_bar_set_fraction (self->progress_bar, 1);
      break;
    case DLAB_JOB_STOPPED:
      text = g_strdup_printf (ngettext ("Stopped after %d whole epoch · "
                                        "evaluating the weights of the moment of the stop…",
                                        "Stopped after %d whole epochs · "
                                        "evaluating the weights of the moment of the stop…", done), done);
      break;
    default:
      text = g_strdup (_("Training failed"));
      dlab_run_view_show_error (self, NULL, dlab_training_job_get_error (job));
      break;
    }
  dlab_run_view_set_status (self, text);
}

/* ---- results ---------------------------------------------------------------------------------- */

/* After Stop two sets of weights exist: those of the moment of the stop
 * (stopped.safetensors, which the accuracy is of and Use in Sketchpad
 * takes) and the last whole epoch's checkpoint (which Resume continues).
 * The line names both. */
static char *
stopped_status (DlabTrainingJob *job, const char *prefix, double accuracy)
{
  const char *checkpoint = dlab_training_job_get_checkpoint (job);
  gboolean saved = checkpoint && g_str_has_suffix (checkpoint, "stopped.safetensors");
  const char *stopped = saved ? "stopped.safetensors" : _("not saved");
  const char *resume = dlab_training_job_get_resume_checkpoint (job);
  int done = dlab_training_job_get_epochs_done (job);

  if (!resume || done < 1)
    return g_strdup_printf (_("%s · test accuracy %.2f%% with the weights of the moment of the stop (%s)"),
                            prefix, accuracy * 100, stopped);
  return g_strdup_printf (_("%s · test accuracy %.2f%% with the weights of the moment of the stop (%s) · "
                            "Resume continues from the checkpoint of epoch %d"),
                          prefix, accuracy * 100, stopped, done);
}

static void
show_results (DlabRunView *self, DlabTrainingJob *job, const DlabJobResults *r)
{
  const char *status = dlab_run_view_get_status (self);
  const char *cut = strstr (status, " · ");
  g_autofree char *prefix = g_strndup (status, cut ? (gsize) (cut - status) : strlen (status));
  g_autofree char *right = NULL, *all = NULL, *text = NULL;
  long correct = 0;

  for (int c = 0; c < r->k; c++)
    correct += r->confusion[c * r->k + c];
  right = dlab_format_count (correct);
  all = dlab_format_count (r->n);
  text = g_strdup_printf (ngettext ("Test accuracy %.2f%% (%s of %s image)", "Test accuracy %.2f%% (%s of %s images)",
                                    r->n),
                          r->accuracy * 100, right, all);
  gtk_label_set_label (self->accuracy_label, text);
  dlab_confusion_view_set_matrix (self->confusion_view, r->confusion, r->k, (const char *const *) r->test->class_names);
  g_free (text);
  if (dlab_training_job_get_state (job) == DLAB_JOB_STOPPED)
    text = stopped_status (job, prefix, r->accuracy);
  else
    text = g_strdup_printf (_("%s · test accuracy %.2f%%"), prefix, r->accuracy * 100);
  dlab_run_view_set_status (self, text);
}

static void
on_job_results (DlabTrainingJob *job, DlabRunView *self)
{
  const DlabJobResults *r = dlab_training_job_get_results (job);

  if (r)
    show_results (self, job, r);
  else if (dlab_training_job_get_state (job) != DLAB_JOB_FAILED)
    dlab_run_view_set_status (self, dlab_error_message ());
  dlab_mistakes_view_set_job (self->mistakes_view, r ? job : NULL);
}

/* ---- runs -------------------------------------------------------------------------------------- */

static void
unwatch (DlabRunView *self)
{
  if (self->job)
    g_signal_handlers_disconnect_by_data (self->job, self);
  g_clear_object (&self->job);
}

void
dlab_run_view_watch (DlabRunView *self, DlabTrainingJob *job)
{
  unwatch (self);
  self->job = g_object_ref (job);
  g_signal_connect (job, "step", G_CALLBACK (on_job_step), self);
  g_signal_connect (job, "epoch", G_CALLBACK (on_job_epoch), self);
  g_signal_connect (job, "finished", G_CALLBACK (on_job_finished), self);
  g_signal_connect (job, "results", G_CALLBACK (on_job_results), self);
}

void
dlab_run_view_begin (DlabRunView *self, const char *title, int epochs)
{
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  dlab_plot_reset (self->plot, epochs);
  dlab_plot_set_title (self->plot, title);
  dlab_confusion_view_set_matrix (self->confusion_view, NULL, 0, NULL);
  dlab_mistakes_view_set_job (self->mistakes_view, NULL);
  gtk_label_set_label (self->accuracy_label, _("Training…"));
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  dlab_run_view_set_status (self, _("Starting…"));
}

void
dlab_run_view_begin_resume (DlabRunView *self, int epochs, int done)
{
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  dlab_plot_set_epochs (self->plot, epochs);
  dlab_plot_truncate (self->plot, done);
  dlab_run_view_set_status (self, _("Resuming…"));
}

DlabPlot *
dlab_run_view_get_plot (DlabRunView *self)
{
  return self->plot;
}

DlabConfusionView *
dlab_run_view_get_confusion_view (DlabRunView *self)
{
  return self->confusion_view;
}

DlabMistakesView *
dlab_run_view_get_mistakes_view (DlabRunView *self)
{
  return self->mistakes_view;
}

void
dlab_run_view_show_view (DlabRunView *self, const char *name)
{
  gtk_stack_set_visible_child_name (self->view_stack, name);
}

static void
on_cell_activated (DlabRunView *self, int true_class, int predicted)
{
  dlab_mistakes_view_show_cell (self->mistakes_view, true_class, predicted);
}

/* Back to the worst mistakes: no cell is chosen any more. */
static void
on_showing_worst (DlabRunView *self)
{
  dlab_confusion_view_select (self->confusion_view, -1, -1);
}

/* ---- life ---------------------------------------------------------------------------------------- */

static void
dlab_run_view_dispose (GObject *object)
{
  DlabRunView *self = DLAB_RUN_VIEW (object);

  forget_progress (self);
  unwatch (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), DLAB_TYPE_RUN_VIEW);
  G_OBJECT_CLASS (dlab_run_view_parent_class)->dispose (object);
}

static void
dlab_run_view_class_init (DlabRunViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = dlab_run_view_dispose;
  g_type_ensure (DLAB_TYPE_FOLD_BOX);
  g_type_ensure (DLAB_TYPE_PLOT);
  g_type_ensure (DLAB_TYPE_CONFUSION_VIEW);
  g_type_ensure (DLAB_TYPE_MISTAKES_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/dlab-run-view.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, DlabRunView, name)
  CHILD (status_label);
  CHILD (stop_button);
  CHILD (error_label);
  CHILD (accuracy_label);
  CHILD (progress_bar);
  CHILD (view_stack);
  CHILD (plot);
  CHILD (confusion_view);
  CHILD (mistakes_view);
#undef CHILD
}

static void
dlab_run_view_init (DlabRunView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  dlab_run_view_set_status (self, _("Ready"));
  g_signal_connect_swapped (self->confusion_view, "cell-activated", G_CALLBACK (on_cell_activated), self);
  g_signal_connect_swapped (self->mistakes_view, "showing-worst", G_CALLBACK (on_showing_worst), self);
}
