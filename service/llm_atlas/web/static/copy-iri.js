// The "Copy IRI" button of a page about an IRI. A file, not inline: the pages'
// Content-Security-Policy runs scripts from this origin's files only.
document.getElementById("copy-iri").addEventListener("click", function (event) {
  if (navigator.clipboard) { navigator.clipboard.writeText(event.target.dataset.iri); }
});
