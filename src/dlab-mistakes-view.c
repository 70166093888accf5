/* DlabMistakesView: see dlab-mistakes-view.h. */
#include "dlab-mistakes-view.h"
#include "dlab-format.h"

#include <glib/gi18n.h>

struct _DlabMistakesView {
  GtkBox parent_instance;

  GtkLabel *title;
  GtkButton *worst_button;
  GtkWidget *grid;
  GtkWidget *empty;
  DlabSampleList *list;
  DlabTrainingJob *job;
};

G_DEFINE_FINAL_TYPE (DlabMistakesView, dlab_mistakes_view, GTK_TYPE_BOX)

enum { SIGNAL_SHOWING_WORST, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct {
  guint32 index;
  float sureness;
} Ranked;

/* Surest first. */
static int
by_sureness (gconstpointer a, gconstpointer b)
{
  float x = ((const Ranked *) a)->sureness, y = ((const Ranked *) b)->sureness;
  return x < y ? 1 : x > y ? -1 : (int) ((const Ranked *) a)->index - (int) ((const Ranked *) b)->index;
}

/* Shows the chosen samples, surest first, at most `limit` (0: all). */
static void
show_ranked (DlabMistakesView *self, GArray *ranked, guint limit, const char *title)
{
  const DlabJobResults *r = dlab_training_job_get_results (self->job);
  guint n;
  g_autofree guint32 *idx = NULL;
  g_autofree guint8 *predicted = NULL;
  g_autofree float *confidence = NULL;

  g_array_sort (ranked, by_sureness);
  n = limit ? MIN (limit, ranked->len) : ranked->len;
  idx = g_new (guint32, MAX (n, 1));
  predicted = g_new (guint8, MAX (n, 1));
  confidence = g_new (float, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      guint32 s = g_array_index (ranked, Ranked, i).index;
      idx[i] = s;
      predicted[i] = r->predicted[s];
      confidence[i] = r->confidence[s];
    }
  dlab_sample_list_set (self->list, r->test, G_OBJECT (self->job), idx, n, predicted, confidence);
  gtk_label_set_label (self->title, title);
  gtk_widget_set_visible (self->empty, n == 0);
  gtk_widget_set_visible (gtk_widget_get_parent (self->grid), n > 0);
}

void
dlab_mistakes_view_show_worst (DlabMistakesView *self)
{
  const DlabJobResults *r = self->job ? dlab_training_job_get_results (self->job) : NULL;
  g_autoptr (GArray) ranked = g_array_new (FALSE, FALSE, sizeof (Ranked));
  g_autofree char *title = NULL;
  int wrong = 0;

  if (!r)
    return;
  for (int i = 0; i < r->n; i++)
    if (r->predicted[i] != r->test->labels[i])
      {
        Ranked e = { (guint32) i, r->confidence[i] };
        g_array_append_val (ranked, e);
        wrong++;
      }
  {
    g_autofree char *n_wrong = dlab_format_count (wrong), *n_all = dlab_format_count (r->n);
    title = g_strdup_printf (ngettext ("Worst mistakes (%s of %s test image wrong)",
                                       "Worst mistakes (%s of %s test images wrong)", r->n),
                             n_wrong, n_all);
  }
  show_ranked (self, ranked, DLAB_MISTAKES_WORST, title);
  gtk_widget_set_visible (GTK_WIDGET (self->worst_button), FALSE);
  g_signal_emit (self, signals[SIGNAL_SHOWING_WORST], 0);
}

void
dlab_mistakes_view_show_cell (DlabMistakesView *self, int true_class, int predicted)
{
  const DlabJobResults *r = self->job ? dlab_training_job_get_results (self->job) : NULL;
  g_autoptr (GArray) ranked = g_array_new (FALSE, FALSE, sizeof (Ranked));
  g_autofree char *title = NULL, *t_name = NULL, *p_name = NULL;

  if (!r)
    return;
  for (int i = 0; i < r->n; i++)
    if (r->test->labels[i] == true_class && r->predicted[i] == predicted)
      {
        Ranked e = { (guint32) i, r->confidence[i] };
        g_array_append_val (ranked, e);
      }
  t_name = dlab_sample_class_name (r->test, true_class);
  p_name = dlab_sample_class_name (r->test, predicted);
  if (true_class == predicted)
    title = g_strdup_printf (ngettext ("%u “%s” read correctly", "%u “%s” read correctly", ranked->len),
                             ranked->len, t_name);
  else
    title = g_strdup_printf (ngettext ("%u “%s” read as “%s”", "%u “%s” read as “%s”", ranked->len),
                             ranked->len, t_name, p_name);
  show_ranked (self, ranked, 0, title);
  gtk_widget_set_visible (GTK_WIDGET (self->worst_button), TRUE);
}

void
dlab_mistakes_view_set_job (DlabMistakesView *self, DlabTrainingJob *job)
{
  g_return_if_fail (DLAB_IS_MISTAKES_VIEW (self));

  g_set_object (&self->job, job);
  if (job && dlab_training_job_get_results (job))
    {
      dlab_mistakes_view_show_worst (self);
      return;
    }
  /* The old tiles are only hidden: tearing a page of them down takes
   * longer than a frame, and this happens as a run starts. The next
   * results replace them. */
  gtk_label_set_label (self->title, _("Mistakes"));
  gtk_widget_set_visible (GTK_WIDGET (self->worst_button), FALSE);
  gtk_widget_set_visible (self->empty, TRUE);
  gtk_widget_set_visible (gtk_widget_get_parent (self->grid), FALSE);
}

DlabSampleList *
dlab_mistakes_view_get_list (DlabMistakesView *self)
{
  return self->list;
}

GtkWidget *
dlab_mistakes_view_get_grid (DlabMistakesView *self)
{
  return self->grid;
}

const char *
dlab_mistakes_view_get_title (DlabMistakesView *self)
{
  return gtk_label_get_label (self->title);
}

static void
dlab_mistakes_view_dispose (GObject *object)
{
  DlabMistakesView *self = DLAB_MISTAKES_VIEW (object);

  g_clear_object (&self->job);
  g_clear_object (&self->list);
  G_OBJECT_CLASS (dlab_mistakes_view_parent_class)->dispose (object);
}

static void
dlab_mistakes_view_class_init (DlabMistakesViewClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = dlab_mistakes_view_dispose;
  /* "showing-worst": the view went back to the worst mistakes (no cell). */
  signals[SIGNAL_SHOWING_WORST] = g_signal_new ("showing-worst", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "mistakes-view");
}

static void
dlab_mistakes_view_init (DlabMistakesView *self)
{
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 6);

  self->title = GTK_LABEL (gtk_label_new (_("Mistakes")));
  gtk_label_set_xalign (self->title, 0);
  gtk_label_set_wrap (self->title, TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->title), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->title), "heading");
  self->worst_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Worst Mistakes")));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->worst_button), _("Show the test images the network is most wrongly sure about"));
  gtk_widget_set_visible (GTK_WIDGET (self->worst_button), FALSE);
  gtk_widget_set_valign (GTK_WIDGET (self->worst_button), GTK_ALIGN_CENTER);
  g_signal_connect_swapped (self->worst_button, "clicked", G_CALLBACK (dlab_mistakes_view_show_worst), self);
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->title));
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->worst_button));
  gtk_box_append (GTK_BOX (self), header);

  self->list = dlab_sample_list_new ();
  self->grid = dlab_sample_grid_new (self->list);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->grid);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_widget_set_visible (scrolled, FALSE);
  /* The gallery is one Tab stop (see dlab-sample-grid.h). */
  gtk_box_append (GTK_BOX (self), dlab_tab_stop_new (scrolled));

  self->empty = gtk_label_new (_("After a run, the test images the network reads wrongly show here."));
  gtk_label_set_wrap (GTK_LABEL (self->empty), TRUE);
  gtk_widget_set_vexpand (self->empty, TRUE);
  gtk_widget_add_css_class (self->empty, "dim-label");
  gtk_box_append (GTK_BOX (self), self->empty);
}

GtkWidget *
dlab_mistakes_view_new (void)
{
  return g_object_new (DLAB_TYPE_MISTAKES_VIEW, NULL);
}
