import './base.css';
import './spaces.css';
import './wrangler.css';
