/* digit-lab: the GNOME application (DESIGN.md "Application"). Everything
 * but this entry point lives in the static library the tests link too. */
#include <glib/gi18n.h>
#include <locale.h>

#include "dlab-application.h"

int
main (int argc, char **argv)
{
  g_autoptr (DlabApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, DLAB_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = dlab_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
