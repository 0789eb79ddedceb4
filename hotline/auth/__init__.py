"""Sign-in, roles and API tokens. The blueprint is in views.py, so that importing a verb of this
package (tokens, service) does not load the pages."""
