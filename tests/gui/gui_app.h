/* Running the application in a GUI test: one non-unique instance whose
 * checks run once its window is up, after which it quits. */
#ifndef DLAB_TEST_GUI_APP_H
#define DLAB_TEST_GUI_APP_H

#include "dlab-application.h"

typedef void (*GuiAppChecks) (DlabApplication *app);

typedef struct {
  GuiAppChecks checks;
  DlabApplication *app;
} GuiAppRun;

static gboolean
gui_app_run_checks (gpointer data)
{
  GuiAppRun *run = data;

  run->checks (run->app);
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
gui_app_on_activate (GApplication *app, gpointer data)
{
  (void) app;
  g_idle_add (gui_app_run_checks, data);
}

/* Runs the application with argv0 as its only argument and `checks` once
 * it is up; returns g_application_run's status. */
static int
gui_app_run (const char *argv0, GuiAppChecks checks)
{
  g_autoptr (DlabApplication) app = dlab_application_new ();
  char *args[] = { (char *) argv0, NULL };
  GuiAppRun run = { checks, app };

  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app)) | G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (app, "activate", G_CALLBACK (gui_app_on_activate), &run);
  return g_application_run (G_APPLICATION (app), 1, args);
}

#endif
