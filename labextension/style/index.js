import './base.css';
import './spaces.css';
import './wrangler.css';
import './endpoints.css';
import './forms.css';
import './tuning.css';
