// Progressive enhancement only: every page works without this file.
// GOV.UK Frontend's components look for these classes on <body> before they start; the usual
// inline snippet that sets them is not allowed by our Content Security Policy, so it lives here.
import { initAll } from '/static/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
