/* digit-lab: the GNOME application (DESIGN.md "Application"). Everything
 * but this entry point lives in the static library the tests link too. */
#include <locale.h>

#include "dlab-application.h"

int
main (int argc, char **argv)
{
  g_autoptr (DlabApplication) app = NULL;

  dlab_application_choose_renderer ();
  setlocale (LC_ALL, "");
  dlab_application_bind_text_domain ();

  app = dlab_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
