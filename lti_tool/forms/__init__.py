"""Course evaluation, self-assessment and entry/final questionnaires: published form versions
(`publishing`), which assessment uses which form (`attachments`), learners' submissions
(`submissions`), instructor aggregates and CSV (`reports`), knowledge change (`knowledge`,
`knowledge_report`), SVG charts (`charts`) and pages (`views`). Content rules live in
`item_bank.forms`."""
