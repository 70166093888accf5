/* DlabApplication: startup, windows, accelerators, About. */
#include "dlab-application.h"

#include <glib/gi18n.h>

#include "dlab-resources.h"
#include "dlab-window.h"

struct _DlabApplication {
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (DlabApplication, dlab_application, ADW_TYPE_APPLICATION)

typedef struct {
  const char *action;
  const char *accels[3];
} Accelerator;

/* Shown in the Keyboard Shortcuts window (ui/help-overlay.ui) too. */
static const Accelerator accelerators[] = {
  { "app.quit", { "<Control>q", NULL } },
  { "window.close", { "<Control>w", NULL } },
  { "win.open-model", { "<Control>o", NULL } },
  { "win.open-strokes", { "<Control><Shift>o", NULL } },
  { "win.save-strokes", { "<Control>s", NULL } },
  { "win.undo", { "<Control>z", NULL } },
  { "win.redo", { "<Control><Shift>z", "<Control>y", NULL } },
  { "win.clear", { "Escape", "Delete", NULL } },
  { "win.show-page::draw", { "<Alt>1", NULL } },
  { "win.show-page::train", { "<Alt>2", NULL } },
  { "win.show-page::data", { "<Alt>3", NULL } },
};

static DlabWindow *
get_window (DlabApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (DLAB_IS_WINDOW (window))
    return DLAB_WINDOW (window);
  return dlab_window_new (GTK_APPLICATION (self));
}

static void
dlab_application_activate (GApplication *app)
{
  gtk_window_present (GTK_WINDOW (get_window (DLAB_APPLICATION (app))));
}

static void
dlab_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  DlabWindow *window = get_window (DLAB_APPLICATION (app));

  (void) hint;
  /* One drawing and one model at a time: the last file of each kind wins. */
  for (int i = 0; i < n_files; i++)
    dlab_window_open_file (window, files[i]);
  gtk_window_present (GTK_WINDOW (window));
}

static void
about_activated (GSimpleAction *action, GVariant *param, gpointer data)
{
  GtkApplication *app = GTK_APPLICATION (data);
  static const char *developers[] = { "The Digit Lab authors", NULL };
  GtkWidget *about;

  (void) action;
  (void) param;
  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-name", _("Digit Lab"),
                        "application-icon", DLAB_APP_ID,
                        "developer-name", _("The Digit Lab authors"),
                        "version", DLAB_VERSION,
                        "comments", _("Draw digits and watch a neural network read them, "
                                      "train small image classifiers and look at their data."),
                        "website", "https://github.com/digitlab/digit-lab",
                        "issue-url", "https://github.com/digitlab/digit-lab/issues",
                        "developers", developers,
                        "copyright", "© 2026 The Digit Lab authors",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

/* Closing the windows (rather than g_application_quit) lets each save its
 * size; the application ends with its last window. */
static void
quit_activated (GSimpleAction *action, GVariant *param, gpointer data)
{
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (data)));

  (void) action;
  (void) param;
  for (GList *l = windows; l; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
  g_list_free (windows);
}

static const GActionEntry app_actions[] = {
  { "about", about_activated, NULL, NULL, NULL, { 0, 0, 0 } },
  { "quit", quit_activated, NULL, NULL, NULL, { 0, 0, 0 } },
};

/* In a Flatpak sandbox the home folder is out of reach (the manifest asks
 * for no file access but what the portals hand over): datasets go to the
 * application's own data folder, ~/.var/app/ID/data/digit-lab/datasets,
 * and $DLAB_DATA tells the engine and Get Datasets to use it. Set before
 * any window or thread reads the environment. */
static void
use_sandbox_datasets (void)
{
  g_autofree char *dir = NULL;

  if (g_getenv ("DLAB_DATA") || !g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    return;
  dir = g_build_filename (g_get_user_data_dir (), "digit-lab", "datasets", NULL);
  g_setenv ("DLAB_DATA", dir, TRUE);
}

static void
dlab_application_startup (GApplication *app)
{
  DlabApplication *self = DLAB_APPLICATION (app);

  use_sandbox_datasets ();
  G_APPLICATION_CLASS (dlab_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  for (gsize i = 0; i < G_N_ELEMENTS (accelerators); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accelerators[i].action,
                                           accelerators[i].accels);
  gtk_window_set_default_icon_name (DLAB_APP_ID);
}

static void
dlab_application_class_init (DlabApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = dlab_application_activate;
  app_class->open = dlab_application_open;
  app_class->startup = dlab_application_startup;

  /* Templates, CSS, the help overlay and the built-in model. */
  dlab_app_register_resource ();
}

static void
dlab_application_init (DlabApplication *self)
{
  (void) self;
}

DlabApplication *
dlab_application_new (void)
{
  return g_object_new (DLAB_TYPE_APPLICATION,
                       "application-id", DLAB_APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/digitlab/DigitLab",
                       NULL);
}

static gboolean
has_render_node (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/dev/dri", 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    if (g_str_has_prefix (name, "renderD"))
      return TRUE;
  return FALSE;
}

gboolean
dlab_application_choose_renderer (void)
{
  if (g_getenv ("GSK_RENDERER") || has_render_node ())
    return FALSE;
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  return TRUE;
}

void
dlab_application_bind_text_domain (void)
{
  const char *dir = g_getenv ("DLAB_LOCALEDIR");

  bindtextdomain (GETTEXT_PACKAGE, dir && *dir ? dir : DLAB_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  /* The default domain too: ngettext () and _() look there. */
  textdomain (GETTEXT_PACKAGE);
}
