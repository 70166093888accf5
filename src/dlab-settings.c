/* The application's settings (the GSettings schema DLAB_APP_ID), on their
 * own: the window and the pages read them, and the application makes the
 * window, so they cannot live in dlab-application.c without a circle. */
#include "dlab-settings.h"

GSettings *
dlab_settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema =
    source ? g_settings_schema_source_lookup (source, DLAB_APP_ID, TRUE) : NULL;
  static gboolean told;

  if (schema)
    return g_settings_new_full (schema, NULL, NULL);
  if (!told)
    g_message ("The settings schema %s is not installed: window size and model will not be kept",
               DLAB_APP_ID);
  told = TRUE;
  return NULL;
}
