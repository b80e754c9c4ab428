// A redirect to /login keeps the fragment of the page asked for (#/things) in the login page's own
// URL, where the server never sees it; carry it into returnUrl so the operator lands where they meant to.
const returnUrl = document.querySelector('input[name="returnUrl"]');
if (returnUrl && location.hash && !returnUrl.value.includes('#')) {
  returnUrl.value += location.hash;
}
